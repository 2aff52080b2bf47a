package dev.berth.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command: server, worker, dev mode and the client commands, in one distribution. */
@Command(name = "berth", mixinStandardHelpOptions = true, version = "berth 0.1.0",
        description = "Run tasks in fresh Docker containers: a Taskcluster-compatible queue and its workers.",
        subcommands = {QuickstartCommand.class, DevCommand.class, ServerCommand.class, WorkerCommand.class,
                TaskCommand.class, ArtifactCommand.class, ClientCommand.class, IndexCommand.class, ImageCommand.class, SecretCommand.class, CacheCommand.class, PoolCommand.class, ProvisionerCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        // only `task create` takes a command line of its own; elsewhere options may follow the task id
        cli.getSubcommands().get("task").getSubcommands().get("create").setStopAtPositional(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof dev.berth.core.BerthException be) {
                cmd.getErr().println("berth: " + be.getMessage());
                return 2;
            }
            if (e instanceof java.io.UncheckedIOException || e instanceof java.io.IOException) {
                Throwable root = e;
                while (root.getCause() != null) root = root.getCause();
                String why = root instanceof java.net.ConnectException || root instanceof java.nio.channels.ClosedChannelException
                        ? "nothing answers there (is the server running? ./berth dev starts one)" : String.valueOf(root);
                cmd.getErr().println("berth: " + e.getMessage().replaceFirst(" failed: null$", " failed") + ": " + why);
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
