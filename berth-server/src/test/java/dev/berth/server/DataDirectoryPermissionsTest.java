package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server keeps on disk — secrets, database, artifacts, its log — is the owner's alone (0700 / 0600). */
class DataDirectoryPermissionsTest {

    @TempDir
    Path parent;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Every path under {@code dir} whose mode is not owner-only, with its mode. */
    private static List<String> notPrivate(Path dir) throws IOException {
        List<String> loose = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
                if (!mode(p).equals(want)) loose.add(dir.relativize(p) + " " + mode(p));
            }
        }
        return loose;
    }

    private static BerthServer start(Path dataDir) {
        return BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0", "BERTH_DATA_DIR", dataDir.toString(),
                "BERTH_BIND_HOST", "127.0.0.1")), Clock.systemUTC());
    }

    @Test
    void theDataDirectoryDatabaseSecretsLogAndArtifactsAreOwnerOnly() throws Exception {
        Path dataDir = parent.resolve("berth-data");
        try (BerthServer server = start(dataDir)) {
            assertThat(mode(dataDir)).isEqualTo("rwx------");
            for (String file : new String[] {"server-key", "root-credentials.json", "server.log", "db/berth.mv.db"}) {
                assertThat(dataDir.resolve(file)).as(file).exists();
                assertThat(mode(dataDir.resolve(file))).as(file).isEqualTo("rw-------");
            }
            assertThat(notPrivate(dataDir)).as("after start").isEmpty();

            SignedHttp root = SignedHttp.signed(server.rootUrl(), server.rootClientId(), server.rootAccessToken());
            String queue = TaskFixtures.uniqueQueue();
            String taskId = TaskFixtures.slugId();
            assertThat(root.put("/api/queue/v1/task/" + taskId, ServerTestSupport.taskBody(queue)).status()).isEqualTo(200);
            ObjectNode claim = Json.MAPPER.createObjectNode().put("workerGroup", "g").put("workerId", "w").put("tasks", 1);
            assertThat(root.post("/api/queue/v1/claim-work/" + queue, claim).json().get("tasks")).hasSize(1);
            for (String name : new String[] {"public/out.txt", "public/logs/live.log"}) {
                ObjectNode req = Json.MAPPER.createObjectNode().put("storageType", "s3").put("contentType", "text/plain")
                        .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS)));
                String putUrl = root.post("/api/queue/v1/task/" + taskId + "/runs/0/artifacts/" + name, req).json().get("putUrl").asText();
                String method = name.endsWith("live.log") ? "POST" : "PUT";
                assertThat(root.send(method, putUrl, "bytes".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of()).status()).isEqualTo(200);
            }
            try (Stream<Path> files = Files.walk(dataDir.resolve("artifacts"))) {
                assertThat(files.filter(Files::isRegularFile).count()).as("artifact files written").isGreaterThanOrEqualTo(2);
            }
            assertThat(notPrivate(dataDir)).as("after writing artifacts").isEmpty();
        }
    }

    @Test
    void anExistingDataDirectoryOpenToOthersIsClosedAtStart() throws Exception {
        Path dataDir = Files.createDirectory(parent.resolve("shared"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (BerthServer server = start(dataDir)) {
            assertThat(server.port()).isPositive();
        }
        // a later start (e.g. after an upgrade) finds files an older version left readable and closes them too
        Files.setPosixFilePermissions(dataDir.resolve("server-key"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dataDir.resolve("db/berth.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (BerthServer server = start(dataDir)) {
            assertThat(notPrivate(dataDir)).isEmpty();
        }
    }
}
