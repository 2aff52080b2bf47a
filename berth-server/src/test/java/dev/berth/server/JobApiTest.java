package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.SignedHttp;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small Herc job API: /, /schema, /submit, /status. */
class JobApiTest extends ServerTestSupport {

    @Test
    void theIndexListsEndpointsAsJson() {
        SignedHttp.Response r = anon.get("/", Map.of("Accept", "application/json"));
        assertThat(r.status()).isEqualTo(200);
        JsonNode index = r.json();
        assertThat(index.isObject()).isTrue();
        assertThat(index.has("POST /submit")).isTrue();
        assertThat(index.has("GET /status/<jobid>")).isTrue();
    }

    @Test
    void theSchemaIsAJsonSchema() {
        SignedHttp.Response r = anon.get("/schema");
        assertThat(r.status()).isEqualTo(200);
        JsonNode schema = r.json();
        assertThat(schema.get("$schema").asText()).contains("json-schema.org");
        assertThat(schema.get("properties").has("image")).isTrue();
    }

    @Test
    void aValidJobBecomesAPendingQueueTask() {
        SignedHttp.Response r = root.post("/submit", Map.of("image", "busybox", "command", java.util.List.of("echo", "hi")));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String taskId = r.json().asText();
        assertThat(taskId).hasSize(22);
        JsonNode task = anon.get(Q + "/task/" + taskId).json();
        assertThat(task.get("taskQueueId").asText()).isEqualTo("local/docker");
        assertThat(status(taskId).get("state").asText()).isEqualTo("pending");

        SignedHttp.Response st = anon.get("/status/" + taskId);
        assertThat(st.status()).isEqualTo(200);
        assertThat(st.json().get("state").asText()).isEqualTo("pending");
        assertThat(st.json().get("since").asText()).isNotBlank();
        root.post(Q + "/task/" + taskId + "/cancel", null);
    }

    @Test
    void anInvalidJobIs400ListingEveryProblem() {
        SignedHttp.Response r = root.post("/submit", Map.of("command", "not-an-array", "maxRunTime", -1, "bogus", true));
        assertThat(r.status()).isEqualTo(400);
        String message = r.json().get("message").asText();
        assertThat(message).contains("image").contains("command").contains("maxRunTime").contains("bogus");
    }

    @Test
    void submitNeedsCredentials() {
        SignedHttp.Response r = anon.post("/submit", Map.of("image", "busybox", "command", java.util.List.of("true")));
        assertThat(r.status()).isEqualTo(403);
    }

    @Test
    void anUnknownJobIs404() {
        assertThat(anon.get("/status/" + newTaskId()).status()).isEqualTo(404);
        assertThat(anon.get("/status/nope").status()).isEqualTo(404);
    }
}
