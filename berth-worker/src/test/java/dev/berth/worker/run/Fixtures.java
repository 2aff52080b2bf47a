package dev.berth.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.core.json.Json;
import dev.berth.core.task.Priority;
import dev.berth.core.task.Requires;
import dev.berth.core.task.TaskDefinition;
import dev.berth.worker.runtime.ResourceLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Task definitions and worker settings for worker tests. */
public final class Fixtures {

    public static final ResourceLimits LIMITS = new ResourceLimits(256L << 20, 1_000_000_000L, 256);

    private Fixtures() {}

    public static WorkerSettings settings(String workerId) {
        return settings(workerId, LIMITS);
    }

    public static WorkerSettings settings(String workerId, ResourceLimits limits) {
        return new WorkerSettings(workerId, "test-group", "test-type", "http://berth.test", "m5.test", null, limits);
    }

    /** A fresh random task id in slugid shape. */
    public static String taskId() {
        String s = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.nio.ByteBuffer.allocate(16).putLong(UUID.randomUUID().getMostSignificantBits())
                        .putLong(UUID.randomUUID().getLeastSignificantBits()).array());
        return s.substring(0, 22);
    }

    public static ClaimedRun run(String payloadJson) {
        return run(Json.tree(payloadJson));
    }

    public static ClaimedRun run(JsonNode payload) {
        return run(payload, List.of());
    }

    /** A run of a task holding {@code scopes} (the docker-worker scopes its payload needs, say). */
    public static ClaimedRun run(String payloadJson, List<String> scopes) {
        return run(Json.tree(payloadJson), scopes);
    }

    public static ClaimedRun run(JsonNode payload, List<String> scopes) {
        Instant now = Instant.now();
        JsonNodeFactory f = JsonNodeFactory.instance;
        TaskDefinition task = new TaskDefinition("test-prov", "test-type", "test-prov/test-type", "-", "none",
                "group", List.of(), Requires.ALL_COMPLETED, List.of(), Priority.LOWEST, 0,
                now, now.plus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), scopes, payload,
                f.objectNode(), Map.of(), f.objectNode());
        return new ClaimedRun(taskId(), 0, task);
    }
}
