package dev.berth.worker.features.ptrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * allowPtrace on the real engine, with an in-process worker holding exactly a deployed worker's scopes
 * ({@link WorkerScopes}) against a real server. The task runs {@code ptrace-sibling} (scripts/test-images/
 * ptrace-sibling.c, in berth-test/ptrace:latest): its second child PTRACE_ATTACHes the first.
 */
class AllowPtraceIT {

    /** Built by scripts/test-image-ptrace.sh FROM berth-test/busybox; no registry involved. */
    static final String PTRACE_IMAGE = "berth-test/ptrace:latest";

    @TempDir
    Path tmp;

    private BerthServer server;
    private QueueClient queue;
    private Worker worker;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/ptrace-" + suffix;
    private final String workerId = "w-ptrace-" + suffix;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        try {
            docker.ensureImage(PTRACE_IMAGE);
        } catch (ImageUnavailableException e) {
            throw new AssertionError(PTRACE_IMAGE + " is missing: build it with scripts/test-image-ptrace.sh", e);
        }
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        queue = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken())).queue();
    }

    private void startWorker(Map<String, String> extraEnv) {
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with a deployed worker's scopes",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", WorkerScopes.of(taskQueueId, "ptrace", workerId)));
        Map<String, String> env = new HashMap<>(Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", "ptrace",
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_CAPACITY", "2",
                "BERTH_WORKER_MEMORY", "128m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"));
        env.putAll(extraEnv);
        worker = Worker.builder(WorkerConfig.load(null, env)).timing(dev.berth.worker.TestTimings.SHORT_CLAIM_POLLS).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private String createTask(String mode, boolean allowPtrace, String... scopes) {
        String taskId = Slugid.v4();
        ObjectNode body = TaskBodies.on(taskQueueId).image(PTRACE_IMAGE).command("/bin/ptrace-sibling", mode)
                .maxRunTime(60).scopes(scopes).build();
        if (allowPtrace) ((ObjectNode) body.get("payload")).putObject("features").put("allowPtrace", true);
        queue.createTask(taskId, body);
        return taskId;
    }

    private JsonNode awaitResolved(String taskId) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String state = run0(taskId).path("state").asText();
            return !state.equals("pending") && !state.equals("running");
        });
        return run0(taskId);
    }

    private JsonNode run0(String taskId) {
        return queue.status(taskId).path("status").path("runs").get(0);
    }

    private String log(String taskId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void withoutTheFeatureASiblingOfAnotherUserCannotBeTracedAndTheTaskFails() throws Exception {
        startWorker(Map.of());
        String taskId = createTask("other-user", false);
        JsonNode run = awaitResolved(taskId);
        String log = log(taskId);
        assertThat(run.path("state").asText()).as(log).isEqualTo("failed");
        assertThat(log).contains("PTRACE_ATTACH of sibling", "refused: Operation not permitted");
    }

    @Test
    void withTheFeatureAndItsScopeTheSiblingIsTracedAndTheTaskCompletes() throws Exception {
        startWorker(Map.of());
        String otherUser = createTask("other-user", true, AllowPtraceFeature.SCOPE);
        String sameUser = createTask("same-user", true, AllowPtraceFeature.SCOPE);
        for (String taskId : new String[] {otherUser, sameUser}) {
            JsonNode run = awaitResolved(taskId);
            String log = log(taskId);
            assertThat(run.path("state").asText()).as(log).isEqualTo("completed");
            assertThat(log).contains("features: allowPtrace", "allowPtrace: CAP_SYS_PTRACE given", "attached to sibling");
        }
        // the container had the capability; nothing of the run is left on the engine
        await().atMost(Duration.ofSeconds(30))
                .until(() -> docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).isEmpty());
    }

    @Test
    void aTaskWithoutTheScopeIsMalformedPayloadNamingIt() throws Exception {
        startWorker(Map.of());
        String taskId = createTask("other-user", true);
        JsonNode run = awaitResolved(taskId);
        assertThat(run.path("state").asText()).isEqualTo("exception");
        assertThat(run.path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(taskId)).contains("missing scope docker-worker:feature:allowPtrace")
                .doesNotContain("attached to sibling", "refused");
    }

    @Test
    void onAWorkerThatSwitchedItOffTheTaskIsMalformedPayload() throws Exception {
        startWorker(Map.of("BERTH_WORKER_FEATURES_OFF", "allowPtrace"));
        String taskId = createTask("other-user", true, AllowPtraceFeature.SCOPE);
        JsonNode run = awaitResolved(taskId);
        assertThat(run.path("state").asText()).isEqualTo("exception");
        assertThat(run.path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(taskId)).contains("features.allowPtrace: switched off on this worker")
                .doesNotContain("attached to sibling");
    }
}
