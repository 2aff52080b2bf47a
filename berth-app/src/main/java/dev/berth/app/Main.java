package dev.berth.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command: server, worker, dev mode and the client commands, in one distribution. */
@Command(name = "berth", mixinStandardHelpOptions = true, version = "berth 0.1.0",
        description = "Run tasks in fresh Docker containers: a Taskcluster-compatible queue and its workers.",
        subcommands = {QuickstartCommand.class, DevCommand.class, ServerCommand.class, WorkerCommand.class,
                TaskCommand.class, ArtifactCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setStopAtPositional(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof dev.berth.core.BerthException be) {
                cmd.getErr().println("berth: " + be.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
