package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.testing.SignedHttp;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class QueueLifecycleApiTest extends ServerTestSupport {

    @Test
    void createTaskMakesAPendingTaskAndIsIdempotentForTheSameBody() {
        String queue = newQueue();
        String id = newTaskId();
        ObjectNode body = taskBody(queue);
        JsonNode first = createTask(id, body);
        assertThat(first.get("state").asText()).isEqualTo("pending");
        assertThat(first.get("taskId").asText()).isEqualTo(id);
        assertThat(first.get("runs").get(0).get("reasonCreated").asText()).isEqualTo("scheduled");

        SignedHttp.Response again = root.put(Q + "/task/" + id, body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status")).isEqualTo(first);

        assertThat(status(id)).isEqualTo(first);
        assertThat(anon.get(Q + "/task/" + id).json().get("taskQueueId").asText()).isEqualTo(queue);
    }

    @Test
    void createTaskWithADifferentBodyIsAConflictWithAMessage() {
        String id = newTaskId();
        ObjectNode body = taskBody(newQueue());
        createTask(id, body);
        body.put("priority", "high");
        SignedHttp.Response r = root.put(Q + "/task/" + id, body);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("code").asText()).isNotBlank();
        assertThat(r.json().get("message").asText()).isNotBlank();
    }

    @Test
    void claimWorkHandsOutTheTaskWithTemporaryCredentialsThatCanReclaimAndResolve() {
        String queue = newQueue();
        String id = createTask(queue);
        JsonNode tasks = claim(queue, 1);
        assertThat(tasks).hasSize(1);
        JsonNode c = tasks.get(0);
        assertThat(c.get("status").get("taskId").asText()).isEqualTo(id);
        assertThat(c.get("status").get("state").asText()).isEqualTo("running");
        assertThat(c.get("runId").asInt()).isZero();
        assertThat(c.get("task").get("taskQueueId").asText()).isEqualTo(queue);
        JsonNode creds = c.get("credentials");
        assertThat(creds.get("certificate").asText()).contains("queue:reclaim-task:" + id + "/0");

        SignedHttp worker = SignedHttp.temporary(server.rootUrl(), creds);
        SignedHttp.Response reclaim = worker.post(Q + "/task/" + id + "/runs/0/reclaim", null);
        assertThat(reclaim.status()).as(reclaim.toString()).isEqualTo(200);
        assertThat(reclaim.json().get("takenUntil").asText()).isNotBlank();
        assertThat(reclaim.json().get("credentials").get("certificate").asText()).isNotBlank();

        // the run's credentials do not reach another task
        String other = createTask(newQueue());
        assertThat(worker.post(Q + "/task/" + other + "/runs/0/completed", null).status()).isEqualTo(403);

        SignedHttp.Response done = worker.post(Q + "/task/" + id + "/runs/0/completed", null);
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.json().get("status").get("state").asText()).isEqualTo("completed");
        assertThat(status(id).get("runs").get(0).get("reasonResolved").asText()).isEqualTo("completed");
    }

    @Test
    void reportFailedResolvesTheRunFailed() {
        String queue = newQueue();
        String id = createTask(queue);
        claim(queue, 1);
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/failed", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").get("state").asText()).isEqualTo("failed");
        assertThat(r.json().get("status").get("runs").get(0).get("reasonResolved").asText()).isEqualTo("failed");
    }

    @Test
    void workerShutdownExceptionAddsAPendingRetryRun() {
        String queue = newQueue();
        String id = createTask(queue);
        claim(queue, 1);
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/exception", json("reason", "worker-shutdown"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode s = r.json().get("status");
        assertThat(s.get("state").asText()).isEqualTo("pending");
        assertThat(s.get("runs")).hasSize(2);
        assertThat(s.get("runs").get(0).get("state").asText()).isEqualTo("exception");
        assertThat(s.get("runs").get(0).get("reasonResolved").asText()).isEqualTo("worker-shutdown");
        assertThat(s.get("runs").get(1).get("reasonCreated").asText()).isEqualTo("retry");
        JsonNode again = claim(queue, 1);
        assertThat(again.get(0).get("runId").asInt()).isEqualTo(1);
    }

    @Test
    void malformedPayloadExceptionResolvesTheTask() {
        String queue = newQueue();
        String id = createTask(queue);
        claim(queue, 1);
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/exception", json("reason", "malformed-payload"));
        assertThat(r.json().get("status").get("state").asText()).isEqualTo("exception");
        assertThat(r.json().get("status").get("runs")).hasSize(1);
    }

    @Test
    void rerunAddsARerunRunToAResolvedTask() {
        String queue = newQueue();
        String id = createTask(queue);
        claim(queue, 1);
        root.post(Q + "/task/" + id + "/runs/0/completed", null);
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/rerun", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode s = r.json().get("status");
        assertThat(s.get("state").asText()).isEqualTo("pending");
        assertThat(s.get("runs").get(1).get("reasonCreated").asText()).isEqualTo("rerun");
    }

    @Test
    void cancelResolvesAPendingTaskAsCanceled() {
        String queue = newQueue();
        String id = createTask(queue);
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/cancel", null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode s = r.json().get("status");
        assertThat(s.get("state").asText()).isEqualTo("exception");
        assertThat(s.get("runs").get(0).get("reasonResolved").asText()).isEqualTo("canceled");
        assertThat(anon.get(Q + "/pending/" + queue).json().get("pendingTasks").asLong()).isZero();
    }

    @Test
    void scheduleTaskReleasesATaskWaitingOnUnresolvedDependencies() {
        String queue = newQueue();
        String dep = createTask(newQueue());
        String id = newTaskId();
        JsonNode created = createTask(id, withDeps(taskBody(queue), null, dep));
        assertThat(created.get("state").asText()).isEqualTo("unscheduled");
        assertThat(created.get("runs")).isEmpty();
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/schedule", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").get("state").asText()).isEqualTo("pending");
        assertThat(claim(queue, 1).get(0).get("status").get("taskId").asText()).isEqualTo(id);
    }

    @Test
    void listTaskGroupPagesWithLimitAndContinuationToken() {
        String group = newTaskId();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            String id = newTaskId();
            createTask(id, (ObjectNode) taskBody(newQueue()).put("taskGroupId", group));
            ids.add(id);
        }
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            SignedHttp.Response r = anon.get(Q + "/task-group/" + group + "/list?limit=2"
                    + (token == null ? "" : "&continuationToken=" + token));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().get("taskGroupId").asText()).isEqualTo(group);
            assertThat(r.json().get("tasks").size()).isLessThanOrEqualTo(2);
            r.json().get("tasks").forEach(t -> seen.add(t.get("status").get("taskId").asText()));
            token = r.json().hasNonNull("continuationToken") ? r.json().get("continuationToken").asText() : null;
            pages++;
        } while (token != null && pages < 10);
        assertThat(seen).isEqualTo(ids);
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void listDependentTasksPagesWithLimitAndContinuationToken() {
        String dep = createTask(newQueue());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String id = newTaskId();
            createTask(id, withDeps(taskBody(newQueue()), null, dep));
            ids.add(id);
        }
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            SignedHttp.Response r = anon.get(Q + "/task/" + dep + "/dependents?limit=1"
                    + (token == null ? "" : "&continuationToken=" + token));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().get("taskId").asText()).isEqualTo(dep);
            assertThat(r.json().get("tasks").size()).isLessThanOrEqualTo(1);
            r.json().get("tasks").forEach(t -> seen.add(t.get("status").get("taskId").asText()));
            token = r.json().hasNonNull("continuationToken") ? r.json().get("continuationToken").asText() : null;
            pages++;
        } while (token != null && pages < 10);
        assertThat(seen).isEqualTo(ids);
    }

    @Test
    void pendingTasksAndTaskQueueCountsFollowTheQueue() {
        String queue = newQueue();
        for (int i = 0; i < 3; i++) createTask(queue);
        claim(queue, 1);
        JsonNode pending = anon.get(Q + "/pending/" + queue).json();
        assertThat(pending.get("pendingTasks").asLong()).isEqualTo(2);
        assertThat(pending.get("taskQueueId").asText()).isEqualTo(queue);
        assertThat(pending.get("provisionerId").asText()).isEqualTo(queue.split("/")[0]);
        JsonNode counts = anon.get(Q + "/task-queues/" + queue.replace("/", "%2F") + "/counts").json();
        assertThat(counts.get("pendingTasks").asLong()).isEqualTo(2);
        assertThat(counts.get("claimedTasks").asLong()).isEqualTo(1);
    }

    @Test
    void claimWorkLongPollReturnsAsSoonAsATaskIsCreated() throws Exception {
        String queue = newQueue();
        long start = System.nanoTime();
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() -> claim(queue, 1));
        Thread.sleep(500);
        assertThat(waiting).isNotDone();
        String id = createTask(queue);
        JsonNode tasks = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).get("status").get("taskId").asText()).isEqualTo(id);
        assertThat(took).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void claimWorkHandsOutUpToTheRequestedNumberOfTasks() {
        String queue = newQueue();
        for (int i = 0; i < 3; i++) createTask(queue);
        assertThat(claim(queue, 2)).hasSize(2);
        assertThat(claim(queue, 4)).hasSize(1);
        assertThat(List.of(anon.get(Q + "/pending/" + queue).json().get("pendingTasks").asLong())).containsExactly(0L);
    }
}
