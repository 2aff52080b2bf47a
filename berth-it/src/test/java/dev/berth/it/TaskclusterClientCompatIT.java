package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Drives an in-process server with the official npm taskcluster-client (src/test/js/compat.js). */
class TaskclusterClientCompatIT {

    private static final Path JS = Path.of("src/test/js").toAbsolutePath();

    @Test
    void theOfficialTaskclusterClientWorksAgainstBerth() throws Exception {
        requireNode();
        if (!Files.isDirectory(JS.resolve("node_modules/taskcluster-client"))) {
            Result install = run(List.of("npm", "install", "--no-audit", "--no-fund"), null, 600);
            assertThat(install.exit()).as("npm install in " + JS + " failed:\n" + install.output()).isZero();
        }
        try (ItSupport.Running r = ItSupport.h2Server()) {
            Result compat = run(List.of("node", "compat.js"), r, 300);
            assertThat(compat.exit()).as("node compat.js failed:\n" + compat.output()).isZero();
            List<String> oks = compat.output().lines().filter(l -> l.startsWith("ok - ")).toList();
            assertThat(oks).as(compat.output()).hasSizeGreaterThanOrEqualTo(5);
            assertThat(compat.output()).doesNotContain("not ok");
        }
    }

    private static void requireNode() {
        try {
            Result v = run(List.of("node", "--version"), null, 30);
            assertThat(v.exit()).as("node --version failed: " + v.output()).isZero();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("node is not installed or not on PATH; this test needs Node.js and npm "
                    + "(scripts/ installs them): " + e.getMessage(), e);
        }
    }

    record Result(int exit, String output) {}

    private static Result run(List<String> command, ItSupport.Running server, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(JS.toFile()).redirectErrorStream(true);
        if (server != null) {
            pb.environment().put("TASKCLUSTER_ROOT_URL", server.server().rootUrl());
            pb.environment().put("TASKCLUSTER_CLIENT_ID", server.server().rootClientId());
            pb.environment().put("TASKCLUSTER_ACCESS_TOKEN", server.server().rootAccessToken());
        }
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(reading output failed: ").append(e).append(')');
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + out);
        }
        reader.join(10_000);
        return new Result(p.exitValue(), out.toString());
    }
}
