package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the scripts in src/test/js, which drive Berth with the official npm taskcluster-client
 * (installed there by scripts/test.sh). A script prints {@code ok - <check>} per check and
 * {@code not ok - <reason>} before it exits non-zero.
 */
public final class ClientScript {

    public static final Path DIR = Path.of("src/test/js").toAbsolutePath();

    private final String script;
    private final Map<String, String> env = new HashMap<>();

    private ClientScript(String script) {
        this.script = script;
    }

    public static ClientScript of(String script) {
        return new ClientScript(script);
    }

    /** TASKCLUSTER_ROOT_URL and the root credentials, as the client's {@code fromEnvVars} reads them. */
    public ClientScript against(String rootUrl, String clientId, String accessToken) {
        env.put("TASKCLUSTER_ROOT_URL", rootUrl);
        env.put("TASKCLUSTER_CLIENT_ID", clientId);
        env.put("TASKCLUSTER_ACCESS_TOKEN", accessToken);
        return this;
    }

    public ClientScript against(ItSupport.Running running) {
        return against(running.server().rootUrl(), running.server().rootClientId(), running.server().rootAccessToken());
    }

    public ClientScript env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Output of a run that exited 0 and printed no {@code not ok}; fails the test otherwise. */
    public Output runPassing(long timeoutSeconds) throws IOException, InterruptedException {
        requireClient();
        Output out = run(List.of("node", script), env, timeoutSeconds);
        assertThat(out.exit()).as("node " + script + " failed:\n" + out.text()).isZero();
        assertThat(out.text()).as("node " + script).doesNotContain("not ok");
        return out;
    }

    /** The output of a script: its text and the checks it reported passing. */
    public record Output(int exit, String text) {
        public List<String> oks() {
            return text.lines().filter(l -> l.startsWith("ok - ")).toList();
        }
    }

    private static void requireClient() throws IOException, InterruptedException {
        Output node = run(List.of("node", "--version"), Map.of(), 30);
        assertThat(node.exit()).as("node is needed (scripts/test.sh installs it): " + node.text()).isZero();
        if (!Files.isDirectory(DIR.resolve("node_modules/taskcluster-client"))) {
            Output install = run(List.of("npm", "install", "--no-audit", "--no-fund"), Map.of(), 600);
            assertThat(install.exit()).as("npm install in " + DIR + " failed:\n" + install.text()).isZero();
        }
    }

    private static Output run(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("berth-client-script", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Output(-1, String.join(" ", command) + ": " + e.getMessage());
            }
            boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(exited).as(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + text).isTrue();
            return new Output(p.exitValue(), text);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
