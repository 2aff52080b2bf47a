package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import dev.berth.testing.SignedHttp;
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

/**
 * Task queues, provisioners, worker types and workers as the queue learns them from claims and declarations,
 * and quarantine: a quarantined worker gets no work until its quarantine ends. The server's clock is moved by
 * the test (never by more than Hawk's allowed skew, and set back after each test).
 */
class WorkersApiTest extends ServerTestSupport {

    private static final String A = "/api/auth/v1";
    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Clock clock() { return clock; }

    @AfterEach
    void clockBackToNow() { clock.set(Instant.now()); }

    private static String newProvisioner() { return "p" + UUID.randomUUID().toString().replace("-", "").substring(0, 20); }

    private static String enc(String taskQueueId) { return taskQueueId.replace("/", "%2F"); }

    private static String workerPath(String taskQueueId) { return Q + "/provisioners/" + taskQueueId.replace("/", "/worker-types/"); }

    /** claimWork of one worker of group test-group without waiting; the tasks it got. */
    private JsonNode claimAs(String taskQueueId, String workerId) {
        SignedHttp.Response r = root.post(Q + "/claim-work/" + taskQueueId + "?wait=0", claimRequest(workerId, 4));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("tasks");
    }

    private JsonNode ok(SignedHttp.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private JsonNode quarantine(String taskQueueId, String workerId, Instant until, String info) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("quarantineUntil", Json.format(until));
        if (info != null) body.put("quarantineInfo", info);
        return ok(root.put(workerPath(taskQueueId) + "/workers/test-group/" + workerId, body));
    }

    @Test
    void aClaimMakesItsWorkerTaskQueueWorkerTypeAndProvisionerKnownWithTheRunItClaimed() {
        String provisioner = newProvisioner();
        String queue = provisioner + "/linux";
        String taskId = createTask(queue);
        Instant claimedAt = clock.instant();
        assertThat(claimAs(queue, "w-a")).hasSize(1);

        JsonNode q = ok(root.get(Q + "/task-queues/" + enc(queue)));
        assertThat(q.get("taskQueueId").asText()).isEqualTo(queue);
        assertThat(q.get("stability").asText()).isEqualTo("experimental");
        assertThat(q.get("description").asText()).isEmpty();
        assertThat(Instant.parse(q.get("lastDateActive").asText())).isEqualTo(claimedAt);
        assertThat(Instant.parse(q.get("expires").asText())).isAfter(claimedAt.plus(Duration.ofDays(1)));
        assertThat(listAll(Q + "/task-queues", "taskQueues")).extracting(n -> n.get("taskQueueId").asText()).contains(queue);

        JsonNode p = ok(root.get(Q + "/provisioners/" + provisioner));
        assertThat(p.get("provisionerId").asText()).isEqualTo(provisioner);
        assertThat(p.get("actions")).isEmpty();
        assertThat(listAll(Q + "/provisioners", "provisioners")).extracting(n -> n.get("provisionerId").asText()).contains(provisioner);

        JsonNode types = ok(root.get(Q + "/provisioners/" + provisioner + "/worker-types"));
        assertThat(types.get("workerTypes")).hasSize(1);
        assertThat(types.get("workerTypes").get(0).get("workerType").asText()).isEqualTo("linux");
        assertThat(types.get("workerTypes").get(0).get("taskQueueId").asText()).isEqualTo(queue);
        JsonNode type = ok(root.get(workerPath(queue)));
        assertThat(type.get("provisionerId").asText()).isEqualTo(provisioner);
        assertThat(type.get("actions")).isEmpty();

        JsonNode workers = ok(root.get(workerPath(queue) + "/workers")).get("workers");
        assertThat(workers).hasSize(1);
        assertThat(workers.get(0).get("workerGroup").asText()).isEqualTo("test-group");
        assertThat(workers.get(0).get("workerId").asText()).isEqualTo("w-a");
        assertThat(workers.get(0).get("latestTask").get("taskId").asText()).isEqualTo(taskId);
        assertThat(workers.get(0).has("quarantineUntil")).isFalse();

        JsonNode w = ok(root.get(workerPath(queue) + "/workers/test-group/w-a"));
        assertThat(w.get("taskQueueId").asText()).isEqualTo(queue);
        assertThat(w.get("workerType").asText()).isEqualTo("linux");
        assertThat(w.get("recentTasks")).hasSize(1);
        assertThat(w.get("recentTasks").get(0).get("taskId").asText()).isEqualTo(taskId);
        assertThat(w.get("recentTasks").get(0).get("runId").asInt()).isZero();
        assertThat(Instant.parse(w.get("firstClaim").asText())).isEqualTo(claimedAt);
        assertThat(Instant.parse(w.get("lastDateActive").asText())).isEqualTo(claimedAt);
        assertThat(w.has("quarantineUntil")).isFalse();
        assertThat(w.get("actions")).isEmpty();
    }

    @Test
    void aTaskQueueWithTasksIsListedBeforeAnyWorkerClaimsFromIt() {
        String queue = newQueue();
        createTask(queue);
        assertThat(ok(root.get(Q + "/task-queues/" + enc(queue))).get("taskQueueId").asText()).isEqualTo(queue);
        assertThat(ok(root.get(workerPath(queue) + "/workers")).get("workers")).isEmpty();
    }

    @Test
    void pendingTasksAreListedInClaimOrderAndClaimedTasksWithTheirWorker() {
        String queue = newQueue();
        String low = createTask(queue);
        String high = newTaskId();
        createTask(high, taskBody(queue).put("priority", "high"));
        String third = createTask(queue);

        List<JsonNode> pending = listAll(Q + "/task-queues/" + enc(queue) + "/pending?limit=1", "tasks");
        assertThat(pending).extracting(n -> n.get("taskId").asText()).containsExactly(high, low, third);
        assertThat(pending.get(0).get("runId").asInt()).isZero();
        assertThat(pending.get(0).get("task").get("priority").asText()).isEqualTo("high");
        assertThat(pending.get(0).has("inserted")).isTrue();

        Instant claimedAt = clock.instant();
        assertThat(root.post(Q + "/claim-work/" + queue + "?wait=0", claimRequest("w-b", 1)).status()).isEqualTo(200);
        JsonNode claimed = ok(root.get(Q + "/task-queues/" + enc(queue) + "/claimed")).get("tasks");
        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).get("taskId").asText()).isEqualTo(high);
        assertThat(claimed.get(0).get("workerGroup").asText()).isEqualTo("test-group");
        assertThat(claimed.get(0).get("workerId").asText()).isEqualTo("w-b");
        assertThat(Instant.parse(claimed.get(0).get("claimed").asText())).isEqualTo(claimedAt);
        assertThat(claimed.get(0).get("task").get("taskQueueId").asText()).isEqualTo(queue);
        assertThat(ok(root.get(Q + "/task-queues/" + enc(queue) + "/pending")).get("tasks"))
                .extracting(n -> n.get("taskId").asText()).containsExactly(low, third);
    }

    @Test
    void aQuarantinedWorkerGetsNoWorkUntilItsQuarantineEndsWhileOthersDo() {
        String queue = newQueue();
        assertThat(claimAs(queue, "sick")).isEmpty();
        String first = createTask(queue);
        Instant until = clock.instant().plus(Duration.ofMinutes(5));
        JsonNode w = quarantine(queue, "sick", until, "disk errors");
        assertThat(Instant.parse(w.get("quarantineUntil").asText())).isEqualTo(until);
        JsonNode detail = w.get("quarantineDetails").get(0);
        assertThat(detail.get("clientId").asText()).isEqualTo(server.rootClientId());
        assertThat(detail.get("quarantineInfo").asText()).isEqualTo("disk errors");
        assertThat(Instant.parse(detail.get("quarantineUntil").asText())).isEqualTo(until);
        assertThat(Instant.parse(detail.get("updatedAt").asText())).isEqualTo(clock.instant());

        assertThat(claimAs(queue, "sick")).as("quarantined: no work").isEmpty();
        assertThat(status(first).get("state").asText()).isEqualTo("pending");
        assertThat(ok(root.get(workerPath(queue) + "/workers?quarantined=true")).get("workers"))
                .extracting(n -> n.get("workerId").asText()).containsExactly("sick");
        assertThat(claimAs(queue, "healthy")).extracting(n -> n.get("status").get("taskId").asText()).containsExactly(first);

        String second = createTask(queue);
        clock.advance(Duration.ofMinutes(4));
        assertThat(claimAs(queue, "sick")).as("still quarantined").isEmpty();
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(claimAs(queue, "sick")).as("the quarantine is over").extracting(n -> n.get("status").get("taskId").asText())
                .containsExactly(second);
        assertThat(ok(root.get(workerPath(queue) + "/workers?quarantined=true")).get("workers")).isEmpty();
        assertThat(ok(root.get(workerPath(queue) + "/workers?quarantined=false")).get("workers"))
                .extracting(n -> n.get("workerId").asText()).containsExactly("healthy", "sick");
    }

    @Test
    void liftingAQuarantineWithThePresentTimeLetsTheWorkerClaimAtOnceAndKeepsEveryChange() {
        String queue = newQueue();
        claimAs(queue, "w-c");
        String taskId = createTask(queue);
        quarantine(queue, "w-c", clock.instant().plus(Duration.ofDays(30)), null);
        assertThat(claimAs(queue, "w-c")).isEmpty();
        SignedHttp.Response claimTask = root.post(Q + "/task/" + taskId + "/runs/0/claim",
                Map.of("workerGroup", "test-group", "workerId", "w-c"));
        assertThat(claimTask.status()).isEqualTo(200);
        assertThat(claimTask.json().size()).as("claimTask of a quarantined worker claims nothing, as Taskcluster").isZero();
        assertThat(status(taskId).get("state").asText()).isEqualTo("pending");

        JsonNode lifted = quarantine(queue, "w-c", clock.instant(), "fixed");
        assertThat(lifted.get("quarantineDetails")).hasSize(2);
        assertThat(lifted.get("quarantineDetails").get(0).get("quarantineInfo").asText()).isEqualTo("[unspecified]");
        assertThat(lifted.get("quarantineDetails").get(1).get("quarantineInfo").asText()).isEqualTo("fixed");
        assertThat(claimAs(queue, "w-c")).extracting(n -> n.get("status").get("taskId").asText()).containsExactly(taskId);
    }

    @Test
    void declarationsKeepWhatIsDeclaredAndNeedOneScopePerProperty() {
        String provisioner = newProvisioner();
        String queue = provisioner + "/declared";
        ObjectNode action = Json.MAPPER.createObjectNode().put("name", "kill").put("title", "Kill").put("context", "worker")
                .put("url", "https://example.test/kill").put("method", "POST").put("description", "kills it");
        ObjectNode provBody = Json.MAPPER.createObjectNode().put("description", "my provisioner").put("stability", "stable");
        provBody.putArray("actions").add(action);
        JsonNode p = ok(root.put(Q + "/provisioners/" + provisioner, provBody));
        assertThat(p.get("description").asText()).isEqualTo("my provisioner");
        assertThat(p.get("actions").get(0)).isEqualTo(action);
        assertThat(ok(root.get(Q + "/provisioners/" + provisioner))).isEqualTo(p);

        JsonNode type = ok(root.put(workerPath(queue), Map.of("description", "big machines", "stability", "deprecated")));
        assertThat(type.get("description").asText()).isEqualTo("big machines");
        assertThat(ok(root.get(Q + "/task-queues/" + enc(queue))).get("stability").asText()).isEqualTo("deprecated");

        Instant expires = clock.instant().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.MILLIS);
        JsonNode w = ok(root.put(workerPath(queue) + "/g1/w1", Map.of("expires", Json.format(expires))));
        assertThat(Instant.parse(w.get("expires").asText())).isEqualTo(expires);
        assertThat(w.get("recentTasks")).isEmpty();
        assertThat(ok(root.get(workerPath(queue) + "/workers/g1/w1")).get("workerId").asText()).isEqualTo("w1");

        SignedHttp narrow = newClient("queue:declare-provisioner:" + provisioner + "#description");
        assertThat(narrow.put(Q + "/provisioners/" + provisioner, Map.of("description", "changed")).status()).isEqualTo(200);
        SignedHttp.Response refused = narrow.put(Q + "/provisioners/" + provisioner, Map.of("description", "x", "stability", "stable"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text()).contains("queue:declare-provisioner:" + provisioner + "#stability");
        assertThat(anon.put(workerPath(queue) + "/g1/w1", Map.of("expires", Json.format(expires))).status()).isEqualTo(403);
        // a declaration of nothing needs no scope, so it creates and changes nothing
        assertThat(anon.put(Q + "/provisioners/" + newProvisioner(), Map.of()).status()).isEqualTo(404);
        assertThat(anon.put(workerPath(newQueue()) + "/g1/w1", Map.of()).status()).isEqualTo(404);
        assertThat(ok(anon.put(Q + "/provisioners/" + provisioner, Map.of())).get("description").asText()).isEqualTo("changed");
    }

    @Test
    void unknownThingsAre404AndBadFiltersAre400() {
        String queue = newQueue();
        assertThat(root.get(Q + "/task-queues/" + enc(queue)).status()).isEqualTo(404);
        assertThat(root.get(workerPath(queue)).status()).isEqualTo(404);
        assertThat(root.get(Q + "/provisioners/" + newProvisioner()).status()).isEqualTo(404);
        assertThat(root.get(workerPath(queue) + "/workers/g/nobody").status()).isEqualTo(404);
        SignedHttp.Response q = root.put(workerPath(queue) + "/workers/g/nobody",
                Map.of("quarantineUntil", Json.format(clock.instant().plus(Duration.ofHours(1)))));
        assertThat(q.status()).isEqualTo(404);
        assertThat(q.text()).contains("nobody");
        SignedHttp.Response filter = root.get(workerPath(queue) + "/workers?quarantined=maybe");
        assertThat(filter.status()).isEqualTo(400);
        assertThat(filter.text()).contains("quarantined");
        assertThat(root.put(workerPath(queue) + "/workers/g/w", Map.of()).status()).as("quarantineUntil is required").isEqualTo(400);
        SignedHttp.Response badDate = root.put(workerPath(queue) + "/workers/g/w", Map.of("quarantineUntil", "soon"));
        assertThat(badDate.status()).isEqualTo(400);
        assertThat(badDate.text()).contains("quarantineUntil");
        assertThat(root.get(workerPath(queue) + "/workers/g/bad.id").status()).isEqualTo(400);
    }

    @Test
    void expiredWorkersTaskQueuesAndProvisionersAreSweptButAQuarantinedWorkerStays() {
        String provisioner = newProvisioner();
        String queue = provisioner + "/short";
        Instant soon = clock.instant().plus(Duration.ofMinutes(2));
        ok(root.put(workerPath(queue) + "/test-group/plain", Map.of("expires", Json.format(soon))));
        ok(root.put(workerPath(queue) + "/test-group/held", Map.of("expires", Json.format(soon))));
        quarantine(queue, "held", clock.instant().plus(Duration.ofMinutes(10)), "keep");
        clock.advance(Duration.ofMinutes(3));
        server.sweep();
        assertThat(root.get(Q + "/task-queues/" + enc(queue)).status()).isEqualTo(404);
        assertThat(root.get(Q + "/provisioners/" + provisioner).status()).isEqualTo(404);
        assertThat(root.get(workerPath(queue) + "/workers/test-group/plain").status()).isEqualTo(404);
        // the quarantined worker's row stays (its task queue is gone, so it is not shown until the queue is seen again)
        ok(root.put(workerPath(queue), Map.of("description", "back")));
        assertThat(ok(root.get(workerPath(queue) + "/workers")).get("workers"))
                .extracting(n -> n.get("workerId").asText()).containsExactly("held");
    }

    private SignedHttp newClient(String... scopes) {
        String clientId = "workers-test-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode b = Json.MAPPER.createObjectNode().put("description", "made by WorkersApiTest")
                .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        var arr = b.putArray("scopes");
        for (String s : scopes) arr.add(s);
        JsonNode r = ok(root.put(A + "/clients/" + clientId, b));
        return SignedHttp.signed(server.rootUrl(), clientId, r.get("accessToken").asText());
    }

    /** Every item of a paged listing (following continuation tokens). */
    private List<JsonNode> listAll(String path, String field) {
        List<JsonNode> out = new ArrayList<>();
        String token = null;
        for (int pages = 0; pages < 1000; pages++) {
            String sep = path.contains("?") ? "&" : "?";
            JsonNode page = ok(root.get(token == null ? path : path + sep + "continuationToken=" + token));
            page.get(field).forEach(out::add);
            if (!page.has("continuationToken")) return out;
            token = page.get("continuationToken").asText();
        }
        throw new AssertionError("the listing does not end");
    }
}
