package dev.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import dev.berth.testing.TaskBodies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** One real server per test class: H2 in a temporary directory, a free port, real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerTestSupport {

    protected static final String Q = "/api/queue/v1";
    protected BerthServer server;
    protected SignedHttp root;
    protected SignedHttp anon;
    private Path dataDir;

    /** Extra environment for the server (e.g. BERTH_CLAIM_TIMEOUT). */
    protected Map<String, String> env() { return Map.of(); }

    /** The server's clock; tests of time-driven behaviour give a MutableClock and move it. */
    protected Clock clock() { return Clock.systemUTC(); }

    @BeforeAll
    void startServer() throws Exception {
        dataDir = Files.createTempDirectory("berth-server-test");
        Map<String, String> e = new HashMap<>(env());
        e.put("BERTH_PORT", "0");
        e.put("BERTH_DATA_DIR", dataDir.toString());
        e.put("BERTH_BIND_HOST", "127.0.0.1");
        server = BerthServer.start(ServerConfig.load(null, e), clock());
        root = SignedHttp.signed(server.rootUrl(), server.rootClientId(), server.rootAccessToken());
        anon = SignedHttp.anonymous(server.rootUrl());
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) server.close();
        if (dataDir != null) {
            try (var walk = Files.walk(dataDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    protected static String newQueue() { return TaskFixtures.uniqueQueue(); }

    protected static String newTaskId() { return TaskFixtures.slugId(); }

    /** A valid create-task body on {@code taskQueueId}, deadline one hour ahead. */
    protected static ObjectNode taskBody(String taskQueueId) {
        return TaskBodies.on(taskQueueId).build();
    }

    protected static ObjectNode withDeps(ObjectNode body, String requires, String... deps) {
        var arr = body.putArray("dependencies");
        for (String d : deps) arr.add(d);
        if (requires != null) body.put("requires", requires);
        return body;
    }

    protected JsonNode createTask(String taskId, ObjectNode body) {
        SignedHttp.Response r = root.put(Q + "/task/" + taskId, body);
        if (r.status() != 200) throw new AssertionError("createTask " + taskId + ": " + r);
        return r.json().get("status");
    }

    protected String createTask(String taskQueueId) {
        String id = newTaskId();
        createTask(id, taskBody(taskQueueId));
        return id;
    }

    protected static ObjectNode claimRequest(String workerId, int tasks) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("workerGroup", "test-group");
        b.put("workerId", workerId);
        b.put("tasks", tasks);
        return b;
    }

    /** claimWork as root; returns the {@code tasks} array. */
    protected JsonNode claim(String taskQueueId, int tasks) {
        SignedHttp.Response r = root.post(Q + "/claim-work/" + taskQueueId, claimRequest("w1", tasks));
        if (r.status() != 200) throw new AssertionError("claimWork: " + r);
        return r.json().get("tasks");
    }

    protected JsonNode status(String taskId) {
        SignedHttp.Response r = anon.get(Q + "/task/" + taskId + "/status");
        if (r.status() != 200) throw new AssertionError("status: " + r);
        return r.json().get("status");
    }

    protected static ObjectNode json(String field, Object value) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.set(field, Json.MAPPER.valueToTree(value));
        return o;
    }

    protected static List<String> texts(JsonNode array) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
