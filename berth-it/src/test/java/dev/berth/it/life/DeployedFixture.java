package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.ItSupport.PostgresDatabase;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of Berth in its deployed shape share: {@code berth server} (or {@code berth dev}) and
 * {@code berth worker} as separate processes, each worker with a client of its own created through the
 * auth API holding only the scopes the README tells operators to give it. The clean-up stops every
 * worker (SIGTERM, as a service manager would), removes every container of the test's worker ids from
 * the engine it ran on, stops the servers and drops the test's PostgreSQL database.
 */
abstract class DeployedFixture {

    @TempDir
    Path dir;

    /** A queue of the test's own, so that nothing else claims its tasks. */
    protected final String taskQueueId;
    private final String name;
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<BerthProcess> workers = new ArrayList<>();
    private final Map<String, String> workerEngines = new HashMap<>();
    private PostgresDatabase database;

    protected DeployedFixture(String name) {
        this.name = name;
        this.taskQueueId = "life-it/" + name + "-" + LifeSupport.shortId();
    }

    @BeforeAll
    static void docker() {
        LifeSupport.requireDocker();
    }

    /** A fresh PostgreSQL database for this test (made on first use, dropped after the test). */
    protected String databaseUrl() {
        if (database == null) database = PostgresDatabase.create();
        return database.url();
    }

    /** {@code berth server} as its own process, started and healthy. */
    protected ServerProcess startServer(Map<String, String> env) {
        ServerProcess s = new ServerProcess("server", dir, "server-" + name + "-" + servers.size(), env);
        servers.add(s);
        return s.start();
    }

    /** {@code berth dev} (server and one worker in one process) with {@code workerId} on the test's queue. */
    protected ServerProcess startDev(String workerId) {
        workerEngines.put(workerId, null);
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_TASK_QUEUE", taskQueueId);
        env.put("BERTH_WORKER_ID", workerId);
        env.put("BERTH_WORKER_GROUP", LifeSupport.WORKER_GROUP);
        env.put("BERTH_WORKER_MEMORY", "256m");
        ServerProcess s = new ServerProcess("dev", dir, "dev-" + name + "-" + servers.size(), env);
        servers.add(s);
        return s.start();
    }

    /** A worker id of this test (its containers are removed after the test). */
    protected String workerId(String suffix) {
        return "life-" + name + "-" + suffix + "-" + LifeSupport.shortId();
    }

    /**
     * What an operator does for a new worker: creates its client with the root credentials, holding only
     * the README's scopes ({@code WorkerScopes}: claim-work, worker-id, expand-scopes, purge-requests), and returns its credentials.
     */
    protected Credentials createWorkerClient(BerthClient root, String workerId) {
        List<String> scopes = dev.berth.core.dockerworker.WorkerScopes.of(taskQueueId, LifeSupport.WORKER_GROUP, workerId);
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("description", "berth worker " + workerId + " (berth-it " + name + ")");
        request.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        scopes.forEach(request.putArray("scopes")::add);
        String clientId = "worker/" + workerId;
        JsonNode created = root.auth().createClient(clientId, request);
        assertThat(created.path("accessToken").asText()).as("createClient answer: %s", created).isNotEmpty();
        // as the operator sees it (currentScopes would need auth:current-scopes, which a worker does not hold)
        JsonNode scopesHeld = root.auth().client(clientId).get("expandedScopes");
        assertThat(scopesHeld).as("the worker's client holds exactly the README's scopes").hasSize(scopes.size());
        return new Credentials(clientId, created.get("accessToken").asText());
    }

    /**
     * {@code berth worker} as its own process on the test's queue, with the default claim timeout (the
     * server's), talking to {@code rootUrl} with {@code credentials}, on the Docker engine at {@code dockerHost}
     * (null: the default engine).
     */
    protected BerthProcess startWorker(String rootUrl, Credentials credentials, String workerId, int capacity,
            String dockerHost) {
        workerEngines.put(workerId, dockerHost);
        Map<String, String> env = LifeSupport.workerEnv(rootUrl, credentials, dir.resolve("worker-" + workerId),
                taskQueueId, LifeSupport.WORKER_GROUP, workerId, capacity);
        if (dockerHost != null) env.put("BERTH_DOCKER_HOST", dockerHost);
        BerthProcess p = new BerthProcess(LifeSupport.berth(dir, env, "worker"), LifeSupport.logFile("worker-" + workerId));
        workers.add(p);
        return p;
    }

    /** The task definition of a shell script on the test's queue. */
    protected ObjectNode shellTask(String script, int maxRunTime) {
        return LifeSupport.shellTask(taskQueueId, script, maxRunTime);
    }

    /** Creates {@code count} tasks running {@code script} in one task group (numbered 1..count as $N); returns their ids. */
    protected List<String> createTasks(BerthClient root, String taskGroupId, int count, String script, int maxRunTime) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            String taskId = Slugid.nice();
            ObjectNode task = shellTask("N=" + i + "; " + script, maxRunTime);
            task.put("taskGroupId", taskGroupId);
            root.queue().createTask(taskId, task);
            ids.add(taskId);
        }
        return ids;
    }

    /** The status of every task in {@code taskGroupId}, by task id (all pages). */
    protected static Map<String, TaskStatus> taskGroup(BerthClient client, String taskGroupId) {
        Map<String, TaskStatus> out = new HashMap<>();
        String token = null;
        do {
            JsonNode page = client.queue().listTaskGroup(taskGroupId, token, 1000);
            for (JsonNode t : page.path("tasks")) {
                TaskStatus s = Json.MAPPER.convertValue(t.get("status"), TaskStatus.class);
                out.put(s.taskId(), s);
            }
            token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
        } while (token != null);
        return out;
    }

    /** How many of {@code statuses} are in {@code state}. */
    protected static long count(Map<String, TaskStatus> statuses, TaskState state) {
        return statuses.values().stream().filter(s -> s.state() == state).count();
    }

    @AfterEach
    void cleanUpProcesses() throws Exception {
        try {
            for (BerthProcess w : workers) w.stop(Duration.ofSeconds(40));
            for (Map.Entry<String, String> e : workerEngines.entrySet()) {
                LifeSupport.removeContainersOn(e.getValue(), LABEL_WORKER_ID, e.getKey());
            }
        } finally {
            for (ServerProcess s : servers) s.close();
            if (database != null) database.close();
        }
    }
}
