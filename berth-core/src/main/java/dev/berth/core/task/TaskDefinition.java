package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A task definition as stored and returned by {@code GET task/<taskId>}: every default filled in,
 * both the task queue id and its provisionerId/workerType halves present.
 */
@JsonPropertyOrder({"provisionerId", "workerType", "taskQueueId", "schedulerId", "projectId", "taskGroupId",
        "dependencies", "requires", "routes", "priority", "retries", "created", "deadline", "expires", "scopes",
        "payload", "metadata", "tags", "extra"})
public record TaskDefinition(
        String provisionerId,
        String workerType,
        String taskQueueId,
        String schedulerId,
        String projectId,
        String taskGroupId,
        List<String> dependencies,
        Requires requires,
        List<String> routes,
        Priority priority,
        int retries,
        Instant created,
        Instant deadline,
        Instant expires,
        List<String> scopes,
        JsonNode payload,
        JsonNode metadata,
        Map<String, String> tags,
        JsonNode extra) {

    public TaskDefinition {
        dependencies = List.copyOf(dependencies);
        routes = List.copyOf(routes);
        scopes = List.copyOf(scopes);
        tags = Map.copyOf(tags);
    }
}
