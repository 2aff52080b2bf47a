package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.client.ShellSocket;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth task shell}: a shell in a running task whose payload enables {@code features.interactive}, through
 * the server (nothing but the server needs to be reachable). On a terminal the session gets a TTY, the local
 * terminal is put in raw mode (/bin/stty) and its size follows the terminal; piped, it runs without a TTY.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Open a shell in a running task (payload features.interactive: true):",
                "  berth task shell <taskId>            an interactive sh",
                "  berth task shell <taskId> -- ls /    one command; exits with its exit code",
                "Needs scope queue:get-artifact:private/docker-worker/shell.html or berth:shell:<taskId>."})
final class ShellCommand implements Callable<Integer> {

    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "TASK_ID") String taskId;
    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command to run instead of sh (after --).")
    List<String> command = new ArrayList<>();
    @Option(names = "--run", description = "Run id (default: the task's latest run).") Integer runId;
    @Option(names = "--no-tty", description = "No terminal, even on one.") boolean noTty;

    /** Where the session writes; tests give their own. */
    InputStream in = System.in;
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        BerthClient c = client.client();
        int run = runId != null ? runId : latestRun(c);
        boolean tty = !noTty && System.console() != null && new File("/dev/tty").canRead();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        ShellSocket.Listener listener = new ShellSocket.Listener() {
            @Override
            public void ready() { ready.complete(null); }

            @Override
            public void output(boolean stderr, byte[] data) {
                PrintStream to = stderr ? err : out;
                to.write(data, 0, data.length);
                to.flush();
            }

            @Override
            public void stopped(int exitCode) { done.complete(exitCode); }

            @Override
            public void error(String message) {
                err.print((tty ? "\r\n" : "") + "berth: " + message + (tty ? "\r\n" : "\n"));
                err.flush();
                done.complete(1);
            }

            @Override
            public void closed(int status, String reason) {
                // after stopped this changes nothing; a close without it means the session was cut
                done.complete(status == 1000 ? 0 : 1);
            }
        };
        Terminal terminal = tty ? Terminal.raw() : null;
        try {
            ShellSocket socket = ShellSocket.open(ShellSocket.url(c.rootUrl(), taskId, run, command, tty),
                    c.credentials(), listener);
            if (terminal != null) {
                ready.thenRun(() -> terminal.size().ifPresent(s -> socket.resize(s[0], s[1])));
                terminal.onResize(() -> terminal.size().ifPresent(s -> socket.resize(s[0], s[1])));
            }
            Thread input = Thread.ofPlatform().daemon().name("berth-shell-stdin").start(() -> copyInput(socket));
            int code = done.get();
            input.interrupt();
            socket.close();
            return code;
        } finally {
            if (terminal != null) terminal.restore();
        }
    }

    private void copyInput(ShellSocket socket) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) socket.stdin(java.util.Arrays.copyOf(buf, n));
            }
            socket.end();
        } catch (IOException e) {
            socket.end();
        }
    }

    private int latestRun(BerthClient c) {
        JsonNode runs = c.queue().status(taskId).path("status").path("runs");
        if (runs.isEmpty()) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "task " + taskId + " has no run yet");
        return runs.get(runs.size() - 1).path("runId").asInt();
    }

    /** The local terminal through /bin/stty: raw mode while the session lasts, its size, and SIGWINCH. */
    static final class Terminal {
        private final String saved;

        private Terminal(String saved) { this.saved = saved; }

        static Terminal raw() throws IOException {
            String saved = stty("-g").trim();
            stty("raw", "-echo");
            Terminal t = new Terminal(saved);
            Runtime.getRuntime().addShutdownHook(new Thread(t::restore));
            return t;
        }

        /** Rows and columns, when stty tells them. */
        java.util.Optional<int[]> size() {
            try {
                String[] parts = stty("size").trim().split("\\s+");
                return java.util.Optional.of(new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])});
            } catch (IOException | RuntimeException e) {
                return java.util.Optional.empty();
            }
        }

        /** Calls {@code action} when the terminal is resized (SIGWINCH), where the JVM lets us listen for it. */
        void onResize(Runnable action) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // no SIGWINCH here: the size stays the one at the start
            }
        }

        void restore() {
            try {
                stty(saved);
            } catch (IOException e) {
                // the terminal is left as it is; `reset` repairs it
            }
        }

        private static String stty(String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add("/bin/stty");
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) throw new IOException("/bin/stty " + String.join(" ", args) + " failed");
                return text;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
