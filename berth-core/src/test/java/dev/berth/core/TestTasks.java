package dev.berth.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds createTask bodies and definitions for tests. */
public final class TestTasks {

    public static final Instant NOW = Instant.parse("2026-03-01T12:00:00.000Z");
    private static final AtomicInteger SEQ = new AtomicInteger();

    private TestTasks() {}

    /** A fresh 22-character task id. */
    public static String newTaskId() {
        return String.format("task%018d", SEQ.incrementAndGet());
    }

    /** A minimal valid body: queue berth/test, created at {@code created}, deadline one day later. */
    public static ObjectNode body(Instant created) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("taskQueueId", "berth/test");
        b.put("created", Json.format(created));
        b.put("deadline", Json.format(created.plus(Duration.ofDays(1))));
        b.putObject("payload").put("command", "true");
        ObjectNode m = b.putObject("metadata");
        m.put("name", "a test task");
        m.put("description", "used by unit tests");
        m.put("owner", "tests@berth.dev");
        m.put("source", "https://berth.dev/tests");
        return b;
    }

    public static ObjectNode body() { return body(NOW); }

    public static TaskDefinition definition(String taskId, ObjectNode body) {
        return TaskDefinitions.fromRequest(taskId, body);
    }
}
