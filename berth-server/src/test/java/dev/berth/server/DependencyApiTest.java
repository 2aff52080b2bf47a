package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class DependencyApiTest extends ServerTestSupport {

    private void resolve(String queue, String id, String outcome) {
        JsonNode c = claim(queue, 1);
        assertThat(c.get(0).get("status").get("taskId").asText()).isEqualTo(id);
        assertThat(root.post(Q + "/task/" + id + "/runs/0/" + outcome, null).status()).isEqualTo(200);
    }

    private void awaitState(String id, String state) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(status(id).get("state").asText()).isEqualTo(state));
    }

    @Test
    void allCompletedWaitsForEveryDependencyToComplete() {
        String qa = newQueue(), qb = newQueue(), q = newQueue();
        String a = createTask(qa), b = createTask(qb);
        String id = newTaskId();
        assertThat(createTask(id, withDeps(taskBody(q), "all-completed", a, b)).get("state").asText()).isEqualTo("unscheduled");
        resolve(qa, a, "completed");
        assertThat(status(id).get("state").asText()).isEqualTo("unscheduled");
        resolve(qb, b, "completed");
        awaitState(id, "pending");
    }

    @Test
    void allCompletedStaysUnscheduledWhenADependencyFails() {
        String qa = newQueue(), q = newQueue();
        String a = createTask(qa);
        String id = newTaskId();
        createTask(id, withDeps(taskBody(q), "all-completed", a));
        resolve(qa, a, "failed");
        server.sweep();
        assertThat(status(id).get("state").asText()).isEqualTo("unscheduled");
    }

    @Test
    void allResolvedReleasesTheTaskWhenADependencyFails() {
        String qa = newQueue(), q = newQueue();
        String a = createTask(qa);
        String id = newTaskId();
        createTask(id, withDeps(taskBody(q), "all-resolved", a));
        resolve(qa, a, "failed");
        awaitState(id, "pending");
    }

    @Test
    void aTaskWhoseDependenciesAlreadyCompletedIsPendingAtOnce() {
        String qa = newQueue();
        String a = createTask(qa);
        resolve(qa, a, "completed");
        String id = newTaskId();
        assertThat(createTask(id, withDeps(taskBody(newQueue()), null, a)).get("state").asText()).isEqualTo("pending");
    }

    @Test
    void aDependencyOnATaskThatDoesNotExistIsRefusedNamingIt() {
        String existing = createTask(newQueue());
        String missing = newTaskId();
        String id = newTaskId();
        var r = root.put(Q + "/task/" + id, withDeps(taskBody(newQueue()), null, existing, missing));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains(missing).doesNotContain(existing);
        assertThat(root.get(Q + "/task/" + id).status()).isEqualTo(404);
    }

    @Test
    void aTaskMayDependOnItselfAndWaitsForScheduleTask() {
        String id = newTaskId();
        assertThat(createTask(id, withDeps(taskBody(newQueue()), null, id)).get("state").asText()).isEqualTo("unscheduled");
    }
}
