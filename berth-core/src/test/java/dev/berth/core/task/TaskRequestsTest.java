package dev.berth.core.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskRequestsTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00.123456Z");
    private static final TaskRequests.Defaults DEFAULTS = new TaskRequests.Defaults(
            "local/docker", NOW, Duration.ofHours(2), "n", "d", "o@x", "s");

    @Test
    void aDockerTaskIsAValidDefinitionWithEveryDefaultFilled() {
        ObjectNode body = TaskRequests.task(
                TaskRequests.dockerPayload("img:1", List.of("sh", "-c", "echo hi"), 60, Map.of("A", "1")), DEFAULTS);
        TaskDefinition def = TaskDefinitions.fromRequest("aaaaaaaaaaaaaaaaaaaaaa", body);
        assertThat(def.taskQueueId()).isEqualTo("local/docker");
        assertThat(def.created()).isEqualTo(Instant.parse("2026-03-01T12:00:00.123Z"));
        assertThat(def.deadline()).isEqualTo(def.created().plus(Duration.ofHours(2)));
        assertThat(def.payload().path("command").toString()).isEqualTo("[\"sh\",\"-c\",\"echo hi\"]");
        assertThat(def.payload().path("env").path("A").asText()).isEqualTo("1");
        assertThat(def.metadata().path("owner").asText()).isEqualTo("o@x");
    }

    @Test
    void whatTheDefinitionSaysIsKept() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("provisionerId", "p").put("workerType", "w").put("deadline", "2026-03-01T13:00:00.000Z");
        body.putObject("metadata").put("name", "mine");
        TaskRequests.fillDefaults(body, DEFAULTS);
        assertThat(body.has("taskQueueId")).isFalse();
        assertThat(body.get("deadline").asText()).isEqualTo("2026-03-01T13:00:00.000Z");
        assertThat(body.path("metadata").path("name").asText()).isEqualTo("mine");
        assertThat(body.path("metadata").path("source").asText()).isEqualTo("s");
    }
}
