package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.QueueClient;
import dev.berth.it.life.LifeSupport.BerthProcess;
import dev.berth.it.life.LifeSupport.Result;
import dev.berth.server.BerthServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * encryptedEnv as a task author uses it: {@code berth worker public-key} prints the key of a worker
 * running as its own process, {@code berth secret encrypt} makes the entry, and the task sees the
 * variable while its log, fetched from the server, and the worker's own output show {@code [secret]}
 * or nothing.
 */
class SecretCliIT {

    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final String workerId = "life-secret-" + LifeSupport.shortId();
    private final String taskQueueId = "life-it/secret-" + LifeSupport.shortId();

    @Test
    void anEntryFromBerthSecretEncryptReachesTheTaskOfADeployedWorkerAndIsMaskedInItsLog() throws Exception {
        LifeSupport.requireDocker();
        BerthServer server = LifeSupport.startServer(dir.resolve("server"), 60);
        String value = "deploy-token-" + UUID.randomUUID();
        try (BerthProcess worker = LifeSupport.startWorker(server, dir, taskQueueId, workerId)) {
            Result key = LifeSupport.run(LifeSupport.berth(dir, Map.of("BERTH_DATA_DIR", dir.resolve("worker-data").toString(),
                    "BERTH_WORKER_ID", workerId), "worker", "public-key"), CLI_TIMEOUT);
            assertThat(key.exitCode()).as("berth worker public-key: %s", key).isZero();
            assertThat(key.out()).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----").doesNotContain("PRIVATE");
            Path pub = Files.writeString(dir.resolve("worker.pub"), key.out());

            String taskId = dev.berth.core.auth.Slugid.v4();
            Result encrypted = LifeSupport.run(LifeSupport.berth(dir, Map.of(), "secret", "encrypt", "--task-id", taskId,
                    "--name", "DEPLOY_TOKEN", "--value", value, "--valid-for", "10m", "--key", pub.toString()), CLI_TIMEOUT);
            assertThat(encrypted.exitCode()).as("berth secret encrypt: %s", encrypted).isZero();
            String entry = encrypted.out().trim();
            assertThat(entry).matches("[A-Za-z0-9+/=]+").doesNotContain(value);

            ObjectNode body = LifeSupport.shellTask(taskQueueId,
                    "echo \"token=$DEPLOY_TOKEN\"; printf '%s' \"$DEPLOY_TOKEN\" | sha256sum", 60);
            ((ObjectNode) body.get("payload")).putArray("encryptedEnv").add(entry);
            QueueClient queue = LifeSupport.rootClient(server).queue();
            queue.createTask(taskId, body);

            await().atMost(Duration.ofSeconds(90)).until(() -> {
                String state = queue.status(taskId).path("status").path("runs").path(0).path("state").asText();
                return state.equals("completed") || state.equals("failed") || state.equals("exception");
            });
            String log;
            try (var in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
                log = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(queue.status(taskId).path("status").path("state").asText()).as(log).isEqualTo("completed");
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
            assertThat(log).contains("token=[secret]\n").contains(sha).doesNotContain(value);
            assertThat(worker.output()).doesNotContain(value);
            worker.stop(Duration.ofSeconds(30));
            assertThat(worker.output()).contains("encryptedEnv key").doesNotContain(value);
        } finally {
            LifeSupport.removeContainers(LABEL_WORKER_ID, workerId);
            server.close();
        }
    }
}
