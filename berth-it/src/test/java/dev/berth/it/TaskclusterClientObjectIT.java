package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.it.scale.ScaleOut;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official npm taskcluster-client's object helpers against Berth (src/test/js/object-compat.js): upload and
 * download of an inline-sized and a 5 MiB object, a tampered hash refused, and downloadArtifact of an object
 * artifact. On the local blob store always; on S3 (S3Proxy from scripts/s3.sh) when one answers.
 */
class TaskclusterClientObjectIT {

    private static final Path JS = Path.of("src/test/js").toAbsolutePath();

    @Test
    void theClientsUploadAndDownloadHelpersWorkOnTheLocalBlobStore() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            runScript(r.server(), r.server().rootUrl());
        }
    }

    @Test
    void theClientsUploadAndDownloadHelpersWorkOnAnS3BlobStore() throws Exception {
        String endpoint = ScaleOut.env("BERTH_TEST_S3_ENDPOINT", "http://127.0.0.1:9500");
        Assumptions.assumeTrue(reachable(java.net.URI.create(endpoint)), "no S3 server at " + endpoint + " (scripts/s3.sh starts one)");
        Map<String, String> env = new HashMap<>(ScaleOut.s3Env("berth-obj-" + UUID.randomUUID().toString().substring(0, 13)));
        env.put("BERTH_PORT", "0");
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_DATA_DIR", Files.createTempDirectory("berth-object-s3").toString());
        try (BerthServer server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC())) {
            runScript(server, endpoint);
        }
    }

    /** Runs the script; {@code urlPrefix} is where the object's bytes must move (the server, or the S3 endpoint). */
    private static void runScript(BerthServer server, String urlPrefix) throws IOException, InterruptedException {
        assertThat(JS.resolve("node_modules/taskcluster-client/src/upload.js"))
                .as("taskcluster-client is not installed: scripts/test.sh runs npm install in " + JS).exists();
        Path log = Files.createTempFile("berth-object-compat", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder("node", "object-compat.js").directory(JS.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("TASKCLUSTER_ROOT_URL", server.rootUrl());
            pb.environment().put("TASKCLUSTER_CLIENT_ID", server.rootClientId());
            pb.environment().put("TASKCLUSTER_ACCESS_TOKEN", server.rootAccessToken());
            pb.environment().put("OBJECT_URL_PREFIX", urlPrefix);
            Process p = pb.start();
            boolean exited = p.waitFor(180, TimeUnit.SECONDS);
            if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(exited).as("node object-compat.js did not finish in 180 s:\n" + output).isTrue();
            assertThat(p.exitValue()).as("node object-compat.js failed:\n" + output).isZero();
            assertThat(output).doesNotContain("not ok");
            assertThat(output.lines().filter(l -> l.startsWith("ok - ")).count()).as(output).isEqualTo(5);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean reachable(java.net.URI endpoint) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
