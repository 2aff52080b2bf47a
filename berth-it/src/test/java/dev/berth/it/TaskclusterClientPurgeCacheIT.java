package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client against Berth's purge-cache service (src/test/js/purge-cache-compat.js). */
class TaskclusterClientPurgeCacheIT {

    private static final Path JS = Path.of("src/test/js").toAbsolutePath();

    @Test
    void theOfficialClientsPurgeCacheCallsWorkWithTaskclustersScopes() throws Exception {
        assertThat(run(List.of("node", "--version"), null, 30).exit()).as("node is needed (scripts/ install it)").isZero();
        if (!Files.isDirectory(JS.resolve("node_modules/taskcluster-client"))) {
            Result install = run(List.of("npm", "install", "--no-audit", "--no-fund"), null, 600);
            assertThat(install.exit()).as("npm install in " + JS + " failed:\n" + install.output()).isZero();
        }
        try (ItSupport.Running r = ItSupport.h2Server()) {
            Result out = run(List.of("node", "purge-cache-compat.js"), r, 120);
            assertThat(out.exit()).as("node purge-cache-compat.js failed:\n" + out.output()).isZero();
            assertThat(out.output()).doesNotContain("not ok");
            assertThat(out.output().lines().filter(l -> l.startsWith("ok - ")).count()).as(out.output()).isEqualTo(7);
        }
    }

    record Result(int exit, String output) {}

    private static Result run(List<String> command, ItSupport.Running server, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("purge-cache-compat", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(JS.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        if (server != null) {
            pb.environment().put("TASKCLUSTER_ROOT_URL", server.server().rootUrl());
            pb.environment().put("TASKCLUSTER_CLIENT_ID", server.server().rootClientId());
            pb.environment().put("TASKCLUSTER_ACCESS_TOKEN", server.server().rootAccessToken());
        }
        try {
            Process p = pb.start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!done) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + output);
            }
            return new Result(p.exitValue(), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
