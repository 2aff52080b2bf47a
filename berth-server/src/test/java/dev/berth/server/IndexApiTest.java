package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskBodies;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The index service's routes: insert, find, list, rank, expiry, scopes, findArtifactFromTask and route indexing. */
class IndexApiTest extends ServerTestSupport {

    private static final String I = "/api/index/v1";
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));

    @Override
    protected Clock clock() { return clock; }

    private String ns() { return "t" + newTaskId().replaceAll("[^a-zA-Z0-9]", "").toLowerCase(); }

    private static ObjectNode entry(String taskId, long rank, Instant expires) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("taskId", taskId).put("rank", rank);
        b.putObject("data").put("note", "rank " + rank);
        b.put("expires", Json.format(expires));
        return b;
    }

    private Instant inDays(int days) { return clock.instant().plus(Duration.ofDays(days)); }

    private SignedHttp clientWith(String... scopes) {
        String id = "index-test/" + newTaskId();
        ObjectNode body = Json.MAPPER.createObjectNode().put("description", "index test").put("expires", Json.format(inDays(1)));
        var arr = body.putArray("scopes");
        for (String s : scopes) arr.add(s);
        SignedHttp.Response r = root.put("/api/auth/v1/clients/" + id, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return SignedHttp.signed(server.rootUrl(), id, r.json().get("accessToken").asText());
    }

    private String completedTask(String... routes) {
        String queue = newQueue();
        String id = newTaskId();
        createTask(id, TaskBodies.on(queue).routes(routes).build());
        assertThat(claim(queue, 1)).hasSize(1);
        assertThat(root.post(Q + "/task/" + id + "/runs/0/completed", null).status()).isEqualTo(200);
        return id;
    }

    @Test
    void anInsertedTaskIsFoundAndListedWithItsNamespaces() {
        String ns = ns(), task = newTaskId();
        SignedHttp.Response put = root.put(I + "/task/" + ns + ".app.v1.latest", entry(task, 3, inDays(5)));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().get("namespace").asText()).isEqualTo(ns + ".app.v1.latest");

        JsonNode found = anon.get(I + "/task/" + ns + ".app.v1.latest").json();
        assertThat(found.get("taskId").asText()).isEqualTo(task);
        assertThat(found.get("rank").asLong()).isEqualTo(3);
        assertThat(found.get("data").get("note").asText()).isEqualTo("rank 3");

        JsonNode spaces = anon.get(I + "/namespaces/" + ns + ".app").json().get("namespaces");
        assertThat(spaces).hasSize(1);
        assertThat(spaces.get(0).get("namespace").asText()).isEqualTo(ns + ".app.v1");
        assertThat(spaces.get(0).get("name").asText()).isEqualTo("v1");
        assertThat(Instant.parse(spaces.get(0).get("expires").asText())).isAfterOrEqualTo(inDays(5));
        assertThat(anon.get(I + "/namespaces/").json().get("namespaces").findValuesAsText("name")).contains(ns);
        JsonNode tasks = anon.get(I + "/tasks/" + ns + ".app.v1").json().get("tasks");
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).get("namespace").asText()).isEqualTo(ns + ".app.v1.latest");
        // older clients list by POST
        assertThat(anon.post(I + "/tasks/" + ns + ".app.v1", Json.MAPPER.createObjectNode()).json().get("tasks")).hasSize(1);
        assertThat(anon.post(I + "/namespaces/" + ns, Json.MAPPER.createObjectNode()).json().get("namespaces")).hasSize(1);
    }

    @Test
    void aLowerRankKeepsTheStoredEntryAndAnswersIt() {
        String path = ns() + ".latest", high = newTaskId();
        root.put(I + "/task/" + path, entry(high, 10, inDays(1)));
        SignedHttp.Response low = root.put(I + "/task/" + path, entry(newTaskId(), 9, inDays(1)));
        assertThat(low.status()).isEqualTo(200);
        assertThat(low.json().get("taskId").asText()).isEqualTo(high);
        String same = newTaskId();
        assertThat(root.put(I + "/task/" + path, entry(same, 10, inDays(1))).json().get("taskId").asText()).isEqualTo(same);
    }

    @Test
    void anExpiredEntryIsNotFound() {
        String path = ns() + ".soon";
        root.put(I + "/task/" + path, entry(newTaskId(), 0, clock.instant().plus(Duration.ofMinutes(10))));
        assertThat(anon.get(I + "/task/" + path).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(11));
        SignedHttp.Response gone = anon.get(I + "/task/" + path);
        assertThat(gone.status()).as(gone.toString()).isEqualTo(404);
        assertThat(gone.json().get("message").asText()).contains(path);
    }

    @Test
    void insertAndDeleteNeedTheirScopesForThePath() {
        String ns = ns();
        SignedHttp writer = clientWith("index:insert-task:" + ns + ".mine.*");
        assertThat(writer.put(I + "/task/" + ns + ".mine.x", entry(newTaskId(), 0, inDays(1))).status()).isEqualTo(200);
        SignedHttp.Response refused = writer.put(I + "/task/" + ns + ".other.x", entry(newTaskId(), 0, inDays(1)));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.json().get("message").asText()).contains("index:insert-task:" + ns + ".other.x");
        assertThat(writer.delete(I + "/task/" + ns + ".mine.x").status()).isEqualTo(403);
        assertThat(root.delete(I + "/task/" + ns + ".mine.x").status()).isEqualTo(200);
        assertThat(anon.get(I + "/task/" + ns + ".mine.x").status()).isEqualTo(404);
    }

    @Test
    void malformedPathsAndBodiesAre400NamingTheProblem() {
        SignedHttp.Response badPath = root.put(I + "/task/a..b", entry(newTaskId(), 0, inDays(1)));
        assertThat(badPath.status()).as(badPath.toString()).isEqualTo(400);
        assertThat(badPath.json().get("message").asText()).contains("namespace");
        SignedHttp.Response badRank = root.put(I + "/task/" + ns() + ".x", entry(newTaskId(), 0, inDays(1)).put("rank", "high"));
        assertThat(badRank.status()).isEqualTo(400);
        assertThat(badRank.json().get("message").asText()).contains("rank");
        ObjectNode big = entry(newTaskId(), 0, inDays(1));
        big.putObject("data").put("blob", "x".repeat(40_000));
        SignedHttp.Response tooBig = root.put(I + "/task/" + ns() + ".x", big);
        assertThat(tooBig.status()).isEqualTo(400);
        assertThat(tooBig.json().get("message").asText()).contains("data");
    }

    @Test
    void findTasksAtIndexAnswersThePathsThatHaveAnEntryPageByPage() {
        String ns = ns();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            paths.add(ns + ".p" + i);
            if (i != 2) root.put(I + "/task/" + ns + ".p" + i, entry(newTaskId(), i, inDays(1)));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            SignedHttp.Response r = anon.post(I + "/tasks/indexes?limit=2" + (token == null ? "" : "&continuationToken=" + token),
                    Map.of("indexes", paths));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            r.json().get("tasks").forEach(t -> seen.add(t.get("namespace").asText()));
            token = r.json().hasNonNull("continuationToken") ? r.json().get("continuationToken").asText() : null;
        } while (token != null);
        assertThat(seen).containsExactly(ns + ".p0", ns + ".p1", ns + ".p3", ns + ".p4");
    }

    @Test
    void aCompletedTaskIsIndexedUnderItsIndexRoutesAtOnce() {
        String ns = ns();
        String id = completedTask("index." + ns + ".build.latest", "index." + ns + ".build.rev-abc");
        for (String p : List.of(".build.latest", ".build.rev-abc")) {
            SignedHttp.Response r = anon.get(I + "/task/" + ns + p);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().get("taskId").asText()).isEqualTo(id);
        }
    }

    @Test
    void creatingATaskWithAnIndexRouteNeedsTheRouteScope() {
        String queue = newQueue(), ns = ns();
        SignedHttp creator = clientWith("queue:create-task:lowest:" + queue, "queue:scheduler-id:-");
        SignedHttp.Response r = creator.put(Q + "/task/" + newTaskId(), TaskBodies.on(queue).routes("index." + ns + ".x").build());
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.json().get("message").asText()).contains("queue:route:index." + ns + ".x");
    }

    @Test
    void findArtifactFromTaskRedirectsToTheLatestRunsArtifact() {
        String ns = ns();
        String queue = newQueue(), id = newTaskId();
        createTask(id, TaskBodies.on(queue).routes("index." + ns + ".latest").build());
        assertThat(claim(queue, 1)).hasSize(1);
        upload(id, "public/build/out.txt", "public bytes");
        upload(id, "private/out.txt", "private bytes");
        ObjectNode error = Json.MAPPER.createObjectNode().put("storageType", "error").put("reason", "file-missing-on-worker")
                .put("message", "no such file").put("expires", Json.format(inDays(1)));
        assertThat(root.post(Q + "/task/" + id + "/runs/0/artifacts/public/missing", error).status()).isEqualTo(200);
        assertThat(root.post(Q + "/task/" + id + "/runs/0/completed", null).status()).isEqualTo(200);

        SignedHttp.Response pub = anon.get(I + "/task/" + ns + ".latest/artifacts/public/build/out.txt");
        assertThat(pub.status()).as(pub.toString()).isEqualTo(303);
        assertThat(anon.send("GET", pub.header("Location"), null, null, Map.of()).text()).isEqualTo("public bytes");

        assertThat(anon.get(I + "/task/" + ns + ".latest/artifacts/private/out.txt").status()).isEqualTo(403);
        SignedHttp.Response priv = clientWith("queue:get-artifact:private/*").get(I + "/task/" + ns + ".latest/artifacts/private/out.txt");
        assertThat(priv.status()).as(priv.toString()).isEqualTo(303);
        // the redirect works without credentials, for this artifact only
        assertThat(anon.send("GET", priv.header("Location"), null, null, Map.of()).text()).isEqualTo("private bytes");

        SignedHttp.Response err = anon.get(I + "/task/" + ns + ".latest/artifacts/public/missing");
        assertThat(err.status()).as(err.toString()).isEqualTo(424);
        assertThat(err.json().get("reason").asText()).isEqualTo("file-missing-on-worker");
        assertThat(anon.get(I + "/task/" + ns + ".nothing/artifacts/public/x").status()).isEqualTo(404);
    }

    private void upload(String id, String name, String text) {
        ObjectNode req = Json.MAPPER.createObjectNode().put("storageType", "s3").put("contentType", "text/plain")
                .put("expires", Json.format(inDays(1)));
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + name, req);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        SignedHttp.Response put = anon.send("PUT", r.json().get("putUrl").asText(), text.getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/" + name, null).status()).isEqualTo(200);
    }
}
