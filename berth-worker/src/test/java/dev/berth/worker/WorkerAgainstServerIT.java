package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server in-process, a Worker built from its WorkerConfig, and the real Docker engine. */
class WorkerAgainstServerIT {

    @TempDir
    Path tmp;

    private BerthServer server;
    private Worker worker;
    private QueueClient queue;
    private DockerContainerRuntime docker;
    private final String workerType = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final String workerId = "w-" + workerType;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        // a short claim, so reclaims happen within the test
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString(), "BERTH_CLAIM_TIMEOUT", "6")), Clock.systemUTC());
        queue = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken())).queue();
        WorkerConfig config = WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", server.rootClientId(),
                "TASKCLUSTER_ACCESS_TOKEN", server.rootAccessToken(),
                "BERTH_TASK_QUEUE", "berth-it/" + workerType,
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_CAPACITY", "2",
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"));
        worker = Worker.builder(config).timing(TestTimings.SHORT_CLAIM_POLLS).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private String createTask(String script, int maxRunTime) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        queue.createTask(taskId, TaskBodies.on("berth-it/" + workerType).image(TEST_IMAGE).shell(script)
                .maxRunTime(maxRunTime).retries(1).build());
        return taskId;
    }

    private JsonNode status(String taskId) {
        return queue.status(taskId).path("status");
    }

    private Instant takenUntil(String taskId) {
        return Instant.parse(status(taskId).path("runs").get(0).path("takenUntil").asText());
    }

    private String state(String taskId) {
        return status(taskId).path("state").asText();
    }

    private String log(String taskId, int runId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, runId, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private boolean hasContainer(String taskId) {
        return !docker.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, taskId)).isEmpty();
    }

    @Test
    void exitCodesBecomeFailedAndCompleted() throws Exception {
        String failing = createTask("echo hi; exit 3", 60);
        String passing = createTask("echo fine", 60);
        await().atMost(Duration.ofSeconds(60)).until(() -> state(failing).equals("failed") && state(passing).equals("completed"));
        assertThat(log(failing, 0)).contains("hi\n").contains("exit code 3");
        assertThat(log(passing, 0)).contains("fine\n");
    }

    /** The log artifact exists from the claim on and a GET follows it while the container runs. */
    @Test
    void theLiveLogIsFollowedWhileTheTaskRuns() throws Exception {
        String taskId = createTask("echo started; sleep 300", 600);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(taskId).equals("running"));
        // the worker creates the log artifact right after its claim
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                queue.listArtifacts(taskId, 0, null, null).toString().contains("public/logs/live.log"));
        // a GET of the unfinished log follows it: the first line arrives while the task still runs
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
                StringBuilder seen = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    seen.append((char) b);
                    if (seen.toString().contains("started\n")) return seen.toString();
                }
                return seen.toString();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(firstLine.get(20, java.util.concurrent.TimeUnit.SECONDS)).contains("started");
        assertThat(state(taskId)).isEqualTo("running");

        queue.cancelTask(taskId);
    }

    @Test
    void reclaimsExtendTheClaimAndCancelStopsTheContainerWithinFiveSeconds() throws Exception {
        String taskId = createTask("echo started; sleep 300", 600);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(taskId).equals("running") && hasContainer(taskId));

        // the claim lasts 6 s; reclaims at half of what is left keep it ahead of now
        Instant firstTakenUntil = takenUntil(taskId);
        await().atMost(Duration.ofSeconds(15)).until(() -> takenUntil(taskId).isAfter(firstTakenUntil));
        Instant renewed = takenUntil(taskId);
        // the worker schedules reclaims in real time, so real time must pass: once the claim the first
        // reclaim gave has ended, only later reclaims can have kept the run, and the expiry sweep is run
        // right then rather than whenever the background one comes round
        await().atMost(Duration.ofSeconds(15)).until(() -> Instant.now().isAfter(renewed));
        server.sweep();
        assertThat(state(taskId)).isEqualTo("running");
        assertThat(takenUntil(taskId)).isAfter(renewed);

        Instant cancelled = Instant.now();
        queue.cancelTask(taskId);
        await().atMost(Duration.ofSeconds(5)).until(() -> !hasContainer(taskId));
        assertThat(Duration.between(cancelled, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(status(taskId).path("runs").get(0).path("reasonResolved").asText()).isEqualTo("canceled");
    }

    @Test
    void shutdownHandsTheRunBackAndTheQueueMakesARetry() {
        String taskId = createTask("echo started; sleep 300", 600);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(taskId).equals("running") && hasContainer(taskId));

        assertThat(worker.shutdown(Duration.ofSeconds(20))).isTrue();

        JsonNode runs = status(taskId).path("runs");
        assertThat(runs.get(0).path("state").asText()).isEqualTo("exception");
        assertThat(runs.get(0).path("reasonResolved").asText()).isEqualTo("worker-shutdown");
        assertThat(runs.get(1).path("reasonCreated").asText()).isEqualTo("retry");
        // the worker let its claim poll finish before handing runs back, so nothing claimed the retry
        assertThat(runs.get(1).path("state").asText()).isEqualTo("pending");
        assertThat(runs.size()).isEqualTo(2);
        assertThat(hasContainer(taskId)).isFalse();
    }
}
