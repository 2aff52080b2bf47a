package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskBodies;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskGroupApiTest extends ServerTestSupport {

    private String createInGroup(String queue, String group, String schedulerId) {
        String id = newTaskId();
        createTask(id, TaskBodies.on(queue).taskGroupId(group).schedulerId(schedulerId).build());
        return id;
    }

    @Test
    void getTaskGroupAnswersSchedulerIdAndExpiryAndNoSealedFieldWhileOpen() {
        String group = newTaskId();
        Instant expires = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        createTask(newTaskId(), TaskBodies.on(newQueue()).taskGroupId(group).schedulerId("sched-x").expires(expires).build());
        SignedHttp.Response r = root.get(Q + "/task-group/" + group);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("taskGroupId").asText()).isEqualTo(group);
        assertThat(r.json().get("schedulerId").asText()).isEqualTo("sched-x");
        // as Taskcluster: a margin past the latest task, so that most tasks need not move it
        assertThat(Instant.parse(r.json().get("expires").asText())).isEqualTo(expires.plus(dev.berth.core.store.TaskStore.GROUP_EXPIRY_MARGIN));
        assertThat(r.json().has("sealed")).isFalse();
    }

    @Test
    void listTaskGroupCarriesTheGroupsSchedulerIdExpiryAndSealTime() {
        String queue = newQueue(), group = newTaskId();
        String id = createInGroup(queue, group, "sched-x");
        JsonNode open = root.get(Q + "/task-group/" + group + "/list").json();
        assertThat(open.get("schedulerId").asText()).isEqualTo("sched-x");
        assertThat(open.get("expires").asText()).isNotBlank();
        assertThat(open.has("sealed")).isFalse();
        assertThat(open.get("tasks").get(0).get("status").get("taskId").asText()).isEqualTo(id);
        String sealedAt = root.post(Q + "/task-group/" + group + "/seal", null).json().get("sealed").asText();
        assertThat(root.get(Q + "/task-group/" + group + "/list").json().get("sealed").asText()).isEqualTo(sealedAt);
    }

    @Test
    void unknownGroupIs404AndAMalformedGroupIdIs400() {
        String group = newTaskId();
        for (SignedHttp.Response r : List.of(root.get(Q + "/task-group/" + group),
                root.post(Q + "/task-group/" + group + "/seal", null), root.post(Q + "/task-group/" + group + "/cancel", null))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.json().get("message").asText()).contains(group);
        }
        SignedHttp.Response bad = root.get(Q + "/task-group/not-a-slug");
        assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("taskGroupId");
    }

    @Test
    void sealedGroupRefusesNewTasksWith409NamingTheGroupAndSealingAgainKeepsTheFirstTime() {
        String queue = newQueue(), group = newTaskId();
        createInGroup(queue, group, "sched-x");
        SignedHttp.Response sealed = root.post(Q + "/task-group/" + group + "/seal", null);
        assertThat(sealed.status()).as(sealed.toString()).isEqualTo(200);
        String sealedAt = sealed.json().get("sealed").asText();
        assertThat(Instant.parse(sealedAt)).isBeforeOrEqualTo(Instant.now());
        assertThat(root.get(Q + "/task-group/" + group).json().get("sealed").asText()).isEqualTo(sealedAt);
        assertThat(root.post(Q + "/task-group/" + group + "/seal", null).json().get("sealed").asText()).isEqualTo(sealedAt);

        String late = newTaskId();
        SignedHttp.Response refused = root.put(Q + "/task/" + late, TaskBodies.on(queue).taskGroupId(group).schedulerId("sched-x").build());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains(group).contains("sealed");
        assertThat(root.get(Q + "/task/" + late).status()).isEqualTo(404);
    }

    @Test
    void cancelTaskGroupNeedsASealedGroupThenCancelsEveryUnresolvedTask() {
        String queue = newQueue(), group = newTaskId();
        String done = createInGroup(queue, group, "sched-x");
        JsonNode claimed = claim(queue, 1);
        assertThat(root.post(Q + "/task/" + done + "/runs/0/completed", null).status()).isEqualTo(200);
        List<String> open = new ArrayList<>();
        for (int i = 0; i < 5; i++) open.add(createInGroup(queue, group, "sched-x"));
        assertThat(claimed).hasSize(1);
        claim(queue, 2); // two of them running, three pending

        SignedHttp.Response unsealed = root.post(Q + "/task-group/" + group + "/cancel", null);
        assertThat(unsealed.status()).as(unsealed.toString()).isEqualTo(409);
        assertThat(unsealed.json().get("message").asText()).contains(group).contains("not sealed");
        assertThat(status(open.get(0)).get("state").asText()).isIn("pending", "running");

        root.post(Q + "/task-group/" + group + "/seal", null);
        SignedHttp.Response r = root.post(Q + "/task-group/" + group + "/cancel", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("taskGroupId").asText()).isEqualTo(group);
        assertThat(r.json().get("taskGroupSize").asInt()).isEqualTo(6);
        assertThat(r.json().get("cancelledCount").asInt()).isEqualTo(5);
        assertThat(texts(r.json().get("taskIds"))).containsExactlyInAnyOrderElementsOf(open);
        for (String id : open) {
            JsonNode s = status(id);
            assertThat(s.get("state").asText()).isEqualTo("exception");
            assertThat(s.get("runs").get(s.get("runs").size() - 1).get("reasonResolved").asText()).isEqualTo("canceled");
        }
        assertThat(status(done).get("state").asText()).isEqualTo("completed");

        SignedHttp.Response again = root.post(Q + "/task-group/" + group + "/cancel", null);
        assertThat(again.json().get("cancelledCount").asInt()).isZero();
        assertThat(again.json().get("taskIds")).isEmpty();
    }

    @Test
    void eachGroupRouteNeedsItsTaskclusterScopeWithTheStoredSchedulerId() {
        String group = newTaskId();
        createInGroup(newQueue(), group, "sched-x");
        SignedHttp wrong = root.withAuthorizedScopes(List.of("queue:list-task-group:" + newTaskId(),
                "queue:seal-task-group:sched-y/" + group, "queue:cancel-task-group:sched-y/" + group));
        assertThat(wrong.get(Q + "/task-group/" + group).status()).isEqualTo(403);
        assertThat(wrong.post(Q + "/task-group/" + group + "/seal", null).status()).isEqualTo(403);
        assertThat(wrong.post(Q + "/task-group/" + group + "/cancel", null).status()).isEqualTo(403);
        assertThat(root.get(Q + "/task-group/" + group).json().has("sealed")).isFalse();

        SignedHttp right = root.withAuthorizedScopes(List.of("queue:list-task-group:" + group,
                "queue:seal-task-group:sched-x/" + group, "queue:cancel-task-group:sched-x/" + group));
        assertThat(right.get(Q + "/task-group/" + group).status()).isEqualTo(200);
        assertThat(right.post(Q + "/task-group/" + group + "/seal", null).status()).isEqualTo(200);
        SignedHttp.Response cancel = right.post(Q + "/task-group/" + group + "/cancel", null);
        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
        assertThat(cancel.json().get("cancelledCount").asInt()).isEqualTo(1);
    }
}
