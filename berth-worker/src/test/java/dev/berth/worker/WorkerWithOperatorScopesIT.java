package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as an operator deploys it: a client created through the auth API holding only the
 * scopes the README names ({@code queue:claim-work:<queue>}, {@code queue:worker-id:<group>/<id>}),
 * the server's default claim (20 minutes) and the default timing. Nothing here can lean on root
 * credentials or a short claim to rescue a cancel.
 */
class WorkerWithOperatorScopesIT {

    @TempDir
    Path tmp;

    private BerthServer server;
    private Worker worker;
    private QueueClient queue;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/ops-" + suffix;
    private final String workerGroup = "ops";
    private final String workerId = "w-ops-" + suffix;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with the scopes the README names",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", List.of("queue:claim-work:" + taskQueueId, "queue:worker-id:" + workerGroup + "/" + workerId)));
        WorkerConfig config = WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", workerGroup,
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"));
        worker = Worker.builder(config).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private String createTask(String script) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        queue.createTask(taskId, TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(600).build());
        return taskId;
    }

    private JsonNode run0(String taskId) {
        return queue.status(taskId).path("status").path("runs").get(0);
    }

    private boolean hasRunningContainer(String taskId) {
        return docker.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, taskId)).stream()
                .anyMatch(c -> "running".equals(c.state()));
    }

    @Test
    void cancelStopsTheContainerWithinFiveSecondsWithoutAReclaim() {
        try (LogCapture supervisorLog = new LogCapture(RunSupervisor.class)) {
            String taskId = createTask("echo started; sleep 300");
            await().atMost(Duration.ofSeconds(60)).until(() -> "running".equals(run0(taskId).path("state").asText())
                    && hasRunningContainer(taskId));
            String takenUntil = run0(taskId).path("takenUntil").asText();
            // a claim of the default length: the first reclaim would come after ten minutes
            assertThat(Duration.between(Instant.now(), Instant.parse(takenUntil))).isGreaterThan(Duration.ofMinutes(15));
            // let a few status polls go out; each is signed with the run's credentials and must be allowed
            await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
            assertThat(supervisorLog.at(Level.WARN, "status poll")).isEmpty();

            Instant cancelled = Instant.now();
            queue.cancelTask(taskId);

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> !hasRunningContainer(taskId));
            System.out.println("cancel stopped the container after " + Duration.between(cancelled, Instant.now()).toMillis() + " ms");
            JsonNode run = run0(taskId);
            assertThat(run.path("reasonResolved").asText()).isEqualTo("canceled");
            assertThat(run.path("takenUntil").asText()).isEqualTo(takenUntil);
            assertThat(supervisorLog.at(Level.DEBUG, "reclaimed")).isEmpty();
            assertThat(supervisorLog.at(Level.INFO, "no longer running on the queue")).hasSize(1);
        }
    }

    @Test
    void aTaskRunsEndToEndOnTheRunsOwnCredentials() throws Exception {
        String taskId = createTask("echo hello from the operators worker");
        await().atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(run0(taskId).path("state").asText()));
        try (var in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("hello from the operators worker");
        }
    }
}
