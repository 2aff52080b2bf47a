package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.dockerworker.WorkerScopes;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.VolumeSummary;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume caches and the docker-worker scope check on the real engine, with a worker holding exactly a
 * deployed worker's scopes ({@link WorkerScopes}: it expands task scopes and polls purge requests with
 * them) against a real server.
 */
class WorkerCachesIT {

    private static final Pattern INSTANCE = Pattern.compile("cache objdir: (?:new )?instance (berth-cache-\\S+)");

    @TempDir
    Path tmp;

    private BerthServer server;
    private BerthClient root;
    private QueueClient queue;
    private Worker worker;
    private WorkerConfig config;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/caches-" + suffix;
    private final String workerId = "w-caches-" + suffix;
    private final String role = "project:caches-" + suffix;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        // a role granting the cache scope, so a task holding only assume:<role> needs the server's expansion
        root.auth().createRole(role, Map.of("description", "caches for WorkerCachesIT", "scopes", List.of("docker-worker:cache:obj*")));
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with a deployed worker's scopes",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", WorkerScopes.of(taskQueueId, "caches", workerId)));
        config = WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", "caches",
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
        if (docker != null) {
            docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).forEach(c -> docker.removeContainer(c.id()));
            for (VolumeSummary v : ourVolumes()) docker.removeVolume(v.name());
        }
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private List<VolumeSummary> ourVolumes() {
        return docker.listVolumes(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId, CacheManager.LABEL_KIND, CacheManager.KIND_CACHE));
    }

    private String createTask(String script, List<Integer> purgeOn, String... scopes) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(120).scopes(scopes).build();
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.putObject("cache").put("objdir", "/cache");
        if (!purgeOn.isEmpty()) purgeOn.forEach(payload.putObject("onExitStatus").putArray("purgeCaches")::add);
        queue.createTask(taskId, body);
        return taskId;
    }

    private JsonNode run0(String taskId) {
        return queue.status(taskId).path("status").path("runs").get(0);
    }

    private JsonNode awaitResolved(String taskId) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String state = run0(taskId).path("state").asText();
            return !state.equals("pending") && !state.equals("running");
        });
        // the instances are given back just after the report, once the container is removed
        await().atMost(Duration.ofSeconds(30)).until(() -> docker.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, taskId)).isEmpty());
        return run0(taskId);
    }

    private String log(String taskId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String instanceIn(String log) {
        Matcher m = INSTANCE.matcher(log);
        assertThat(m.find()).as("a cache instance line in %s", log).isTrue();
        return m.group(1);
    }

    @Test
    void aCacheWrittenByOneTaskIsReadByTheNextWithTheScopeGrantedThroughARole() throws Exception {
        String first = createTask("echo written-by-$TASK_ID > /cache/mark", List.of(), "assume:" + role);
        assertThat(awaitResolved(first).path("state").asText()).isEqualTo("completed");
        String second = createTask("cat /cache/mark", List.of(), "assume:" + role);
        assertThat(awaitResolved(second).path("state").asText()).isEqualTo("completed");

        assertThat(log(second)).contains("written-by-" + first);
        assertThat(instanceIn(log(second))).isEqualTo(instanceIn(log(first)));
        assertThat(ourVolumes()).singleElement().satisfies(v -> assertThat(v.labels())
                .containsEntry(CacheManager.LABEL_CACHE_NAME, "objdir").containsEntry(ContainerRuntime.LABEL_WORKER_ID, workerId));
    }

    @Test
    void twoTasksRunningAtOnceGetDifferentInstances() throws Exception {
        // each leaves a file named after itself and waits for the other to be running, then lists the cache
        String script = "touch /cache/$TASK_ID; sleep 6; echo listing:; ls /cache";
        String a = createTask(script, List.of(), "docker-worker:cache:objdir");
        String b = createTask(script, List.of(), "docker-worker:cache:objdir");
        awaitResolved(a);
        awaitResolved(b);
        JsonNode runA = run0(a);
        JsonNode runB = run0(b);
        assertThat(runA.path("state").asText()).isEqualTo("completed");
        assertThat(runB.path("state").asText()).isEqualTo("completed");
        // they did overlap
        assertThat(Instant.parse(runA.path("started").asText())).isBefore(Instant.parse(runB.path("resolved").asText()));
        assertThat(Instant.parse(runB.path("started").asText())).isBefore(Instant.parse(runA.path("resolved").asText()));

        assertThat(instanceIn(log(a))).isNotEqualTo(instanceIn(log(b)));
        assertThat(log(a)).contains(a).doesNotContain(b);
        assertThat(log(b)).contains(b).doesNotContain(a);
        assertThat(ourVolumes()).hasSize(2);
    }

    @Test
    void anExitCodeListedInPurgeCachesDeletesTheInstance() throws Exception {
        String first = createTask("echo stale > /cache/mark; exit 3", List.of(3), "docker-worker:cache:objdir");
        assertThat(awaitResolved(first).path("state").asText()).isEqualTo("failed");
        assertThat(log(first)).contains("onExitStatus.purgeCaches");
        String purged = instanceIn(log(first));
        await().atMost(Duration.ofSeconds(10)).until(() -> ourVolumes().isEmpty());

        String second = createTask("cat /cache/mark || echo no-mark-here", List.of(3), "docker-worker:cache:objdir");
        awaitResolved(second);
        assertThat(log(second)).contains("no-mark-here").doesNotContain("stale");
        assertThat(instanceIn(log(second))).isNotEqualTo(purged);
    }

    @Test
    void aMissingScopeIsRefusedWithItsNameInTheLogAndNothingIsMade() throws Exception {
        String taskId = createTask("echo should-not-run", List.of(), "docker-worker:cache:other");
        JsonNode run = awaitResolved(taskId);

        assertThat(run.path("state").asText()).isEqualTo("exception");
        assertThat(run.path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(taskId)).contains("missing scope docker-worker:cache:objdir").doesNotContain("should-not-run\n");
        assertThat(ourVolumes()).isEmpty();
    }

    @Test
    void aPurgeRequestThroughTheApiMakesTheNextTaskGetAFreshInstance() throws Exception {
        String first = createTask("echo old-content > /cache/mark", List.of(), "docker-worker:cache:objdir");
        awaitResolved(first);
        String old = instanceIn(log(first));

        root.request("POST", "purge-cache", BerthClient.path("/purge-cache/<workerPoolId>", taskQueueId), null,
                Map.of("cacheName", "objdir"));

        String second = createTask("cat /cache/mark || echo fresh-cache", List.of(), "docker-worker:cache:objdir");
        awaitResolved(second);
        assertThat(log(second)).contains("fresh-cache").doesNotContain("old-content")
                .contains("cache objdir: new instance");
        assertThat(instanceIn(log(second))).isNotEqualTo(old);
        assertThat(ourVolumes()).extracting(VolumeSummary::name).doesNotContain(old);
    }

    @Test
    void instancesAreFoundAgainAfterTheWorkerRestarts() throws Exception {
        String first = createTask("echo kept > /cache/mark", List.of(), "docker-worker:cache:objdir");
        awaitResolved(first);
        worker.close();
        worker = Worker.builder(config).timing(TestTimings.SHORT_CLAIM_POLLS).start();

        String second = createTask("cat /cache/mark", List.of(), "docker-worker:cache:objdir");
        awaitResolved(second);
        assertThat(log(second)).contains("kept");
        assertThat(instanceIn(log(second))).isEqualTo(instanceIn(log(first)));
    }
}
