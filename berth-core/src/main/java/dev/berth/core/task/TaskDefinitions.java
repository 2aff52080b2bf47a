package dev.berth.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a createTask request body into a {@link TaskDefinition}: fills Taskcluster's defaults and checks the
 * rules a JSON schema cannot express. Every error names the offending field.
 */
public final class TaskDefinitions {

    /** Taskcluster refuses deadlines further than this after {@code created}. */
    public static final Duration MAX_DEADLINE = Duration.ofDays(5);
    public static final int MAX_RETRIES = 49;
    public static final int MAX_DEPENDENCIES = 10_000;

    private TaskDefinitions() {}

    public static TaskDefinition fromRequest(String taskId, JsonNode body) {
        if (body == null || !body.isObject()) throw BerthException.input("the task definition must be a JSON object");
        String taskQueueId = text(body, "taskQueueId", null);
        String provisionerId = text(body, "provisionerId", null);
        String workerType = text(body, "workerType", null);
        if (taskQueueId == null) {
            if (provisionerId == null || workerType == null) {
                throw BerthException.input("taskQueueId is required (or both provisionerId and workerType)");
            }
            taskQueueId = provisionerId + "/" + workerType;
        }
        int slash = taskQueueId.indexOf('/');
        if (slash <= 0 || slash == taskQueueId.length() - 1 || taskQueueId.indexOf('/', slash + 1) >= 0) {
            throw BerthException.input("taskQueueId must look like '<provisionerId>/<workerType>'; got '" + taskQueueId + "'");
        }
        String qProvisioner = taskQueueId.substring(0, slash);
        String qWorkerType = taskQueueId.substring(slash + 1);
        if ((provisionerId != null && !provisionerId.equals(qProvisioner))
                || (workerType != null && !workerType.equals(qWorkerType))) {
            throw BerthException.input("provisionerId/workerType (" + provisionerId + "/" + workerType
                    + ") disagree with taskQueueId " + taskQueueId);
        }
        Instant created = instant(body, "created", true);
        Instant deadline = instant(body, "deadline", true);
        if (!deadline.isAfter(created)) throw BerthException.input("deadline must be after created");
        if (Duration.between(created, deadline).compareTo(MAX_DEADLINE) > 0) {
            throw BerthException.input("deadline may be at most 5 days after created");
        }
        Instant expires = instant(body, "expires", false);
        if (expires == null) expires = deadline.plus(Duration.ofDays(365));
        if (expires.isBefore(deadline)) throw BerthException.input("expires must not be before deadline");

        int retries = body.has("retries") ? intField(body, "retries") : 5;
        if (retries < 0 || retries > MAX_RETRIES) throw BerthException.input("retries must be between 0 and " + MAX_RETRIES);

        List<String> dependencies = strings(body, "dependencies");
        if (dependencies.size() > MAX_DEPENDENCIES) {
            throw BerthException.input("dependencies may list at most " + MAX_DEPENDENCIES + " tasks");
        }
        dependencies = List.copyOf(new java.util.LinkedHashSet<>(dependencies));
        for (String d : dependencies) {
            if (!d.matches("[A-Za-z0-9_-]{22}")) throw BerthException.input("dependencies: '" + d + "' is not a task id");
        }

        JsonNode payload = body.get("payload");
        if (payload == null || !payload.isObject()) throw BerthException.input("payload is required and must be an object");
        JsonNode metadata = body.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw BerthException.input("metadata is required: an object with name, description, owner and source");
        }
        for (String f : List.of("name", "description", "owner", "source")) {
            if (!metadata.path(f).isTextual()) throw BerthException.input("metadata." + f + " is required and must be a string");
        }
        JsonNode extra = body.get("extra");
        if (extra == null || extra.isNull()) extra = JsonNodeFactory.instance.objectNode();
        else if (!extra.isObject()) throw BerthException.input("extra must be an object");

        return new TaskDefinition(
                qProvisioner, qWorkerType, taskQueueId,
                text(body, "schedulerId", "-"),
                text(body, "projectId", "none"),
                text(body, "taskGroupId", taskId),
                dependencies,
                Requires.fromWire(text(body, "requires", "all-completed")),
                strings(body, "routes"),
                Priority.fromWire(text(body, "priority", "lowest")),
                retries, created, deadline, expires,
                strings(body, "scopes"),
                payload, metadata, tags(body), extra);
    }

    /** The JSON a client sees for this definition (wire names, timestamps in milliseconds). */
    public static ObjectNode toJson(TaskDefinition def) {
        return dev.berth.core.json.Json.MAPPER.valueToTree(def);
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return fallback;
        if (!n.isTextual()) throw BerthException.input(field + " must be a string");
        return n.asText();
    }

    private static int intField(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (!n.canConvertToExactIntegral() || !n.canConvertToInt()) throw BerthException.input(field + " must be an integer");
        return n.asInt();
    }

    private static Instant instant(JsonNode body, String field, boolean required) {
        String s = text(body, field, null);
        if (s == null) {
            if (required) throw BerthException.input(field + " is required (an ISO-8601 timestamp)");
            return null;
        }
        // Taskcluster's clients send exactly this shape: read it directly (OffsetDateTime.parse cost more than
        // the rest of the definition); anything else goes through the general parser
        Instant millis = dev.berth.core.json.Json.parseMillis(s);
        if (millis != null) return millis;
        try {
            // stored and compared at millisecond precision, as Taskcluster's clients send them
            return java.time.OffsetDateTime.parse(s).toInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        } catch (DateTimeParseException e) {
            throw BerthException.input(field + " must be an ISO-8601 timestamp such as 2026-01-01T00:00:00.000Z; got '" + s + "'");
        }
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw BerthException.input(field + " must be an array of strings");
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) throw BerthException.input(field + "[" + i + "] must be a string");
            out.add(n.get(i).asText());
        }
        return out;
    }

    private static Map<String, String> tags(JsonNode body) {
        JsonNode n = body.get("tags");
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw BerthException.input("tags must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) throw BerthException.input("tags." + e.getKey() + " must be a string");
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }
}
