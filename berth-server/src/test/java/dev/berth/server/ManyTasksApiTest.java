package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** queue.tasks and queue.statuses: many tasks in one call, as Taskcluster's current queue answers them. */
class ManyTasksApiTest extends ServerTestSupport {

    private static ObjectNode ids(List<String> taskIds) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode arr = body.putArray("taskIds");
        taskIds.forEach(arr::add);
        return body;
    }

    @Test
    void statusesOfAHundredTasksArriveInPagesWithUnknownIdsLeftOut() {
        String queue = newQueue();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 100; i++) created.add(createTask(queue));
        String canceled = created.get(7);
        root.post(Q + "/task/" + canceled + "/cancel", null);
        List<String> asked = new ArrayList<>(created);
        asked.add(newTaskId());       // never created
        asked.add("not a task id");   // cannot be one
        asked.add(created.get(3));    // asked twice, answered once

        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            SignedHttp.Response r = root.post(Q + "/tasks/status?limit=30" + (token == null ? "" : "&continuationToken=" + token), ids(asked));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            for (JsonNode s : r.json().get("statuses")) {
                String id = s.get("taskId").asText();
                seen.add(id);
                assertThat(s.get("status").get("taskId").asText()).isEqualTo(id);
                assertThat(s.get("status").get("state").asText()).isEqualTo(id.equals(canceled) ? "exception" : "pending");
            }
            token = r.json().has("continuationToken") ? r.json().get("continuationToken").asText() : null;
            pages++;
        } while (token != null && pages < 20);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(created);
        assertThat(pages).isGreaterThanOrEqualTo(4);
    }

    @Test
    void tasksAnswersTheDefinitionsOfTheNamedTasks() {
        String queue = newQueue();
        String a = createTask(queue), b = createTask(queue);
        SignedHttp.Response r = root.post(Q + "/tasks", ids(List.of(a, b, newTaskId())));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("tasks")).hasSize(2);
        for (JsonNode t : r.json().get("tasks")) {
            assertThat(t.get("task").get("taskQueueId").asText()).isEqualTo(queue);
            assertThat(t.get("taskId").asText()).isIn(a, b);
        }
        assertThat(r.json().has("continuationToken")).isFalse();
    }

    @Test
    void eachNamedTaskNeedsItsScopeAndBadInputIs400() {
        String queue = newQueue();
        String a = createTask(queue), b = createTask(queue);
        SignedHttp onlyA = root.withAuthorizedScopes(List.of("queue:status:" + a, "queue:get-task:" + a));
        assertThat(onlyA.post(Q + "/tasks/status", ids(List.of(a))).status()).isEqualTo(200);
        assertThat(onlyA.post(Q + "/tasks/status", ids(List.of(a, b))).status()).isEqualTo(403);
        assertThat(onlyA.post(Q + "/tasks", ids(List.of(a, b))).status()).isEqualTo(403);

        SignedHttp.Response badToken = root.post(Q + "/tasks/status?continuationToken=%21%21", ids(List.of(a)));
        assertThat(badToken.status()).as(badToken.toString()).isEqualTo(400);
        assertThat(badToken.json().get("message").asText()).contains("continuationToken");
        SignedHttp.Response badBody = root.post(Q + "/tasks", Json.MAPPER.createObjectNode().put("taskIds", "x"));
        assertThat(badBody.status()).as(badBody.toString()).isEqualTo(400);
        assertThat(badBody.json().get("message").asText()).contains("taskIds");
    }
}
