package dev.berth.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Builds createTask bodies for the places that make tasks for a person (CLI, job API, quickstart): what a
 * definition leaves out is filled in, and a docker-worker payload is made from an image and a command.
 */
public final class TaskRequests {

    /**
     * What to fill into a definition that leaves it out.
     *
     * @param deadlineAfter deadline = created + this
     */
    public record Defaults(String taskQueueId, Instant now, Duration deadlineAfter,
                           String name, String description, String owner, String source) {}

    private TaskRequests() {}

    /** A docker-worker (v1) payload running {@code command} in {@code image}. */
    public static ObjectNode dockerPayload(String image, List<String> command, int maxRunTime, Map<String, String> env) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("image", image);
        ArrayNode cmd = payload.putArray("command");
        command.forEach(cmd::add);
        payload.put("maxRunTime", maxRunTime);
        if (env != null && !env.isEmpty()) payload.set("env", Json.MAPPER.valueToTree(env));
        return payload;
    }

    /** A task body around {@code payload}, every other field from {@code d}. */
    public static ObjectNode task(JsonNode payload, Defaults d) {
        ObjectNode task = Json.MAPPER.createObjectNode();
        task.set("payload", payload);
        return fillDefaults(task, d);
    }

    /** Fills queue, created, deadline and metadata where {@code task} has none; returns {@code task}. */
    public static ObjectNode fillDefaults(ObjectNode task, Defaults d) {
        Instant now = d.now().truncatedTo(ChronoUnit.MILLIS);
        if (!task.has("taskQueueId") && !task.has("provisionerId")) task.put("taskQueueId", d.taskQueueId());
        if (!task.has("created")) task.put("created", Json.format(now));
        if (!task.has("deadline")) task.put("deadline", Json.format(now.plus(d.deadlineAfter())));
        ObjectNode meta = task.path("metadata").isObject() ? (ObjectNode) task.get("metadata") : task.putObject("metadata");
        if (!meta.has("name")) meta.put("name", d.name());
        if (!meta.has("description")) meta.put("description", d.description());
        if (!meta.has("owner")) meta.put("owner", d.owner());
        if (!meta.has("source")) meta.put("source", d.source());
        return task;
    }
}
