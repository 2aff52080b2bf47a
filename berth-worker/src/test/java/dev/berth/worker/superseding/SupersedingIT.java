package dev.berth.worker.superseding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.dockerworker.WorkerScopes;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Superseding (seed 002) against a real server and engine, with a superseder served by the test on 127.0.0.1 and
 * an in-process worker holding exactly a deployed worker's scopes ({@link WorkerScopes}). Where the primary runs to
 * its end, claims last 6 s, so a held secondary that were not reclaimed would end claim-expired while it runs.
 */
class SupersedingIT {

    @TempDir
    Path tmp;

    private BerthServer server;
    private QueueClient queue;
    private Worker worker;
    private DockerContainerRuntime docker;
    private HttpServer superseder;
    /** path → the answer's body; a path not here answers 404. */
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    /** path?query of each request the superseder got. */
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/supersede-" + suffix;
    private final String workerId = "w-supersede-" + suffix;

    @BeforeEach
    void start() throws IOException {
        docker = DockerTestSupport.runtime();
        superseder = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        superseder.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            asked.add(path + "?" + exchange.getRequestURI().getQuery());
            if (path.startsWith("/slow")) sleep(Duration.ofSeconds(8));
            String body = answers.get(path);
            byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        superseder.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        superseder.start();
    }

    /** The server, with claims of {@code claimTimeoutSeconds}. */
    private void startServer(int claimTimeoutSeconds) {
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_CLAIM_TIMEOUT", Integer.toString(claimTimeoutSeconds),
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        queue = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken())).queue();
    }

    private void startWorker(int capacity) {
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with a deployed worker's scopes",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", WorkerScopes.of(taskQueueId, "supersede", workerId)));
        worker = Worker.builder(WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", "supersede",
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_CAPACITY", Integer.toString(capacity),
                "BERTH_WORKER_MEMORY", "128m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"))).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (superseder != null) superseder.stop(0);
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + superseder.getAddress().getPort() + path;
    }

    /** A task on {@code queueId} that says its name, then sleeps; its payload names {@code supersederUrl}. */
    private String createTask(String queueId, String taskId, String name, int sleepSeconds, String supersederUrl) {
        ObjectNode body = TaskBodies.on(queueId).image(DockerTestSupport.TEST_IMAGE)
                .shell("echo ran-" + name + "; sleep " + sleepSeconds).maxRunTime(120).build();
        ((ObjectNode) body.get("payload")).put("supersederUrl", supersederUrl);
        queue.createTask(taskId, body);
        return taskId;
    }

    private JsonNode runs(String taskId) {
        return queue.status(taskId).path("status").path("runs");
    }

    private JsonNode awaitRun0Resolved(String taskId, Duration within) {
        await().atMost(within).until(() -> {
            String state = runs(taskId).get(0).path("state").asText();
            return !state.equals("pending") && !state.equals("running");
        });
        return runs(taskId).get(0);
    }

    private String artifact(String taskId, String name) throws IOException {
        try (InputStream in = queue.getArtifact(taskId, 0, name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String answer(String... taskIds) {
        return Json.MAPPER.createObjectNode().set("supersedes", Json.MAPPER.valueToTree(List.of(taskIds))).toString();
    }

    @Test
    void theHighestClaimedTaskRunsAndTheOthersEndSupersededWithTheSeedsArtifacts() throws Exception {
        startServer(6);
        String a = Slugid.nice(), b = Slugid.nice(), c = Slugid.nice(), d = Slugid.nice();
        // listed last, but on another queue: a worker of this queue may not claim it, so c is the primary
        answers.put("/coalesce/linux", answer(a, b, c, d));
        String url = url("/coalesce/linux");
        createTask(taskQueueId, a, "a", 14, url);
        createTask(taskQueueId, b, "b", 14, url);
        createTask(taskQueueId, c, "c", 14, url);
        createTask("berth-it/supersede-other-" + suffix, d, "d", 1, url);
        startWorker(1);

        // c runs for 14 s, more than two 6 s claims: a and b are held (reclaimed) all that time
        JsonNode primary = awaitRun0Resolved(c, Duration.ofSeconds(90));
        String primaryLog = artifact(c, "public/logs/live.log");
        assertThat(primary.path("state").asText()).as(primaryLog).isEqualTo("completed");
        assertThat(primaryLog).contains("ran-c", "superseding: the superseder at " + url + " lists 4 task(s)",
                "is the primary", "not claimed: " + d);
        JsonNode supersedes = Json.MAPPER.readTree(artifact(c, "public/supersedes.json"));
        Set<String> listed = new HashSet<>();
        for (JsonNode ref : supersedes) {
            assertThat(ref.path("runId").asInt(-1)).isZero();
            listed.add(ref.path("taskId").asText());
        }
        assertThat(supersedes).hasSize(2);
        assertThat(listed).containsExactlyInAnyOrder(a, b);

        for (String secondary : List.of(a, b)) {
            JsonNode run = awaitRun0Resolved(secondary, Duration.ofSeconds(30));
            String log = artifact(secondary, "public/logs/live.log");
            assertThat(run.path("state").asText()).as(log).isEqualTo("exception");
            assertThat(run.path("reasonResolved").asText()).as(log).isEqualTo("superseded");
            assertThat(runs(secondary)).as("no retry run for a superseded task").hasSize(1);
            assertThat(Json.MAPPER.readTree(artifact(secondary, "public/superseded-by.json")))
                    .isEqualTo(Json.MAPPER.readTree("{\"taskId\":\"" + c + "\",\"runId\":0}"));
            assertThat(log).contains("superseded by " + c + "/0").doesNotContain("ran-");
        }
        assertThat(runs(d).get(0).path("state").asText()).isEqualTo("pending");
        // asked once, for the task claimWork gave the worker
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0)).matches("/coalesce/linux\\?taskId=(" + a + "|" + b + "|" + c + ")");
    }

    @Test
    void aSupersederThatIsDownSlowOrAnswersGarbageLeavesTheClaimedTaskToRunAlone() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        // claims as deployed (20 min): the slow superseder holds the claimed task 5 s before it is watched
        startServer(1200);
        answers.put("/garbage", "{\"supersedes\": \"not a list\"}");
        answers.put("/slow", answer());
        String down = createTask(taskQueueId, Slugid.nice(), "down", 0, "http://127.0.0.1:" + closedPort + "/coalesce");
        String garbage = createTask(taskQueueId, Slugid.nice(), "garbage", 0, url("/garbage"));
        String slow = createTask(taskQueueId, Slugid.nice(), "slow", 0, url("/slow"));
        startWorker(3);

        Map<String, String> why = Map.of(down, "could not be reached", garbage, "answered no \"supersedes\" list",
                slow, "did not answer within 5s");
        for (Map.Entry<String, String> e : why.entrySet()) {
            JsonNode run = awaitRun0Resolved(e.getKey(), Duration.ofSeconds(90));
            String log = artifact(e.getKey(), "public/logs/live.log");
            assertThat(run.path("state").asText()).as(log).isEqualTo("completed");
            assertThat(log).contains(e.getValue(), "this task runs alone", "ran-");
        }
    }

    @Test
    void aWorkerStoppedWhileThePrimaryRunsHandsTheSecondariesBackAsWorkerShutdown() {
        startServer(6);
        String a = Slugid.nice(), b = Slugid.nice(), c = Slugid.nice();
        answers.put("/coalesce", answer(a, b, c));
        String url = url("/coalesce");
        for (String t : List.of(a, b, c)) createTask(taskQueueId, t, t, 120, url);
        startWorker(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of(a, b, c).stream()
                .allMatch(t -> runs(t).get(0).path("state").asText().equals("running")));
        await().atMost(Duration.ofSeconds(60)).until(() -> docker.listContainers(
                Map.of(dev.berth.worker.runtime.ContainerRuntime.LABEL_TASK_ID, c)).size() == 1);

        worker.close();
        worker = null;
        for (String t : List.of(a, b, c)) {
            JsonNode run0 = runs(t).get(0);
            assertThat(run0.path("state").asText()).as(t).isEqualTo("exception");
            assertThat(run0.path("reasonResolved").asText()).as(t).isEqualTo("worker-shutdown");
            assertThat(runs(t)).as("the queue retries %s", t).hasSize(2);
        }
    }

    @Test
    void aWorkerStoppedWhileItAsksTheSupersederHandsTheClaimedTaskBack() {
        startServer(1200);
        answers.put("/slow", answer());
        String t = createTask(taskQueueId, Slugid.nice(), "t", 0, url("/slow"));
        startWorker(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> asked.size() == 1);

        worker.close();
        worker = null;
        JsonNode run0 = runs(t).get(0);
        assertThat(run0.path("state").asText()).isEqualTo("exception");
        assertThat(run0.path("reasonResolved").asText()).isEqualTo("worker-shutdown");
        assertThat(runs(t)).as("the queue retries it").hasSize(2);
    }
}
