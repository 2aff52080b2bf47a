package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue goes away for a while (the in-process server is stopped, then started again on the same
 * port and database) while the worker runs tasks: containers keep running, reports and live log
 * lines written meanwhile are delivered when it is back, and no task runs twice.
 */
class WorkerServerOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(15);
    private static final int LINES = 25;

    @TempDir
    Path tmp;

    private BerthServer server;
    private Worker worker;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/outage-" + suffix;
    private final String workerId = "w-outage-" + suffix;

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private BerthServer startServer(int port) {
        return BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", Integer.toString(port),
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
    }

    @Test
    void tasksRunningThroughAQueueOutageEndCompletedOnceWithTheirWholeLog() throws Exception {
        docker = DockerTestSupport.runtime();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = startServer(port);
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        QueueClient queue = root.queue();
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of("description", "outage IT worker",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", List.of("queue:claim-work:" + taskQueueId, "queue:worker-id:local/" + workerId)));
        worker = Worker.builder(WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_CAPACITY", "6",
                "BERTH_WORKER_MEMORY", "128m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0",
                "BERTH_WORKER_METRICS_PORT", "0"))).start();

        // long tasks print through the outage; short ones end (and report) while the queue is away
        List<String> longTasks = new ArrayList<>();
        List<String> shortTasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            longTasks.add(createTask(queue, "i=0; while [ $i -lt " + LINES + " ]; do echo line $i; i=$((i+1)); sleep 1; done"));
        }
        for (int i = 0; i < 2; i++) shortTasks.add(createTask(queue, "echo short started; sleep 6; echo short done"));
        List<String> all = new ArrayList<>(longTasks);
        all.addAll(shortTasks);
        await().atMost(Duration.ofSeconds(60)).until(() -> all.stream().allMatch(t -> "running".equals(state(queue, t))));
        // a GET of a live log follows it until the task ends: read only until the second line is there
        assertThat(java.util.concurrent.CompletableFuture.supplyAsync(() -> readUntil(queue, longTasks.get(0), "line 1\n"))
                .get(30, java.util.concurrent.TimeUnit.SECONDS)).contains("line 0\n");

        server.close();
        server = null;
        Thread.sleep(OUTAGE.toMillis()); // the queue is away: this is the fault under test, not a wait for a result
        assertThat(docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)))
                .anyMatch(c -> "running".equals(c.state()));
        server = startServer(port);

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> all.stream().allMatch(t -> "completed".equals(state(queue, t))));
        for (String taskId : all) {
            JsonNode runs = queue.status(taskId).path("status").path("runs");
            assertThat(runs.size()).as("runs of %s", taskId).isEqualTo(1);
        }
        for (String taskId : longTasks) {
            String text = log(queue, taskId);
            for (int i = 0; i < LINES; i++) {
                assertThat(text.split("\n")).as("log of %s", taskId).containsOnlyOnce("line " + i);
            }
        }
        for (String taskId : shortTasks) assertThat(log(queue, taskId)).contains("short started\n").contains("short done\n");
        assertThat(worker.counters().liveLogBytesDropped()).isZero();
        // what an operator scrapes: status polls failed through the outage, and no log byte was lost
        String scrape = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + worker.metricsAddress().orElseThrow().getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(WorkerMetricsEndpointTest.value(scrape, "berth_worker_status_poll_failures_total")).isPositive()
                .isEqualTo((double) worker.counters().statusPollFailures());
        assertThat(WorkerMetricsEndpointTest.value(scrape, "berth_worker_live_log_dropped_bytes_total")).isZero();
    }

    private String createTask(QueueClient queue, String script) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        queue.createTask(taskId, TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(600).build());
        return taskId;
    }

    private static String readUntil(QueueClient queue, String taskId, String wanted) {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            StringBuilder seen = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                seen.append((char) b);
                if (seen.indexOf(wanted) >= 0) break;
            }
            return seen.toString();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static String state(QueueClient queue, String taskId) {
        return queue.status(taskId).path("status").path("state").asText();
    }

    private static String log(QueueClient queue, String taskId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
