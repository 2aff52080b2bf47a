package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.it.scale.ScaleOut;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The official npm taskcluster-client's object helpers against Berth (src/test/js/object-compat.js): upload and
 * download of an inline-sized and a 5 MiB object, a tampered hash refused, and downloadArtifact of an object
 * artifact. On the local blob store, and on S3 (S3Proxy, which scripts/s3.sh starts; as the other S3 tests,
 * this fails rather than skips when it does not answer).
 */
class TaskclusterClientObjectIT {

    @Test
    void theClientsUploadAndDownloadHelpersWorkOnTheLocalBlobStore() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            runScript(r.server(), r.server().rootUrl());
        }
    }

    @Test
    void theClientsUploadAndDownloadHelpersWorkOnAnS3BlobStore() throws Exception {
        String endpoint = ScaleOut.env("BERTH_TEST_S3_ENDPOINT", "http://127.0.0.1:9500");
        Map<String, String> env = new HashMap<>(ScaleOut.s3Env("berth-obj-" + UUID.randomUUID().toString().substring(0, 13)));
        env.put("BERTH_PORT", "0");
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_DATA_DIR", Files.createTempDirectory("berth-object-s3").toString());
        try (BerthServer server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC())) {
            runScript(server, endpoint);
        }
    }

    /** Runs the script; {@code urlPrefix} is where the object's bytes must move (the server, or the S3 endpoint). */
    private static void runScript(BerthServer server, String urlPrefix) throws Exception {
        ClientScript.Output out = ClientScript.of("object-compat.js")
                .against(server.rootUrl(), server.rootClientId(), server.rootAccessToken())
                .env("OBJECT_URL_PREFIX", urlPrefix).runPassing(180);
        assertThat(out.oks()).as(out.text()).hasSize(5);
    }
}
