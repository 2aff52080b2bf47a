package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official npm taskcluster-client's downloadArtifact helper against an in-process server
 * (src/test/js/download-artifact.js): s3, reference, link and error artifacts.
 */
class DownloadArtifactCompatIT {

    private static final Path JS = Path.of("src/test/js").toAbsolutePath();

    @Test
    void theClientsDownloadArtifactFetchesEveryStorageTypeFromBerth() throws Exception {
        assertThat(JS.resolve("node_modules/taskcluster-client/src/download.js"))
                .as("taskcluster-client is not installed: scripts/test.sh runs npm install in " + JS).exists();
        try (ItSupport.Running r = ItSupport.h2Server()) {
            Path log = Files.createTempFile("berth-download-artifact", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder("node", "download-artifact.js").directory(JS.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("TASKCLUSTER_ROOT_URL", r.server().rootUrl());
                pb.environment().put("TASKCLUSTER_CLIENT_ID", r.server().rootClientId());
                pb.environment().put("TASKCLUSTER_ACCESS_TOKEN", r.server().rootAccessToken());
                Process p = pb.start();
                boolean exited = p.waitFor(180, TimeUnit.SECONDS);
                if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                String output = Files.readString(log);
                assertThat(exited).as("node download-artifact.js did not finish in 180 s:\n" + output).isTrue();
                assertThat(p.exitValue()).as("node download-artifact.js failed:\n" + output).isZero();
                List<String> oks = output.lines().filter(l -> l.startsWith("ok - ")).toList();
                assertThat(oks).as(output).hasSize(6);
                assertThat(output).doesNotContain("not ok");
            } finally {
                Files.deleteIfExists(log);
            }
        }
    }
}
