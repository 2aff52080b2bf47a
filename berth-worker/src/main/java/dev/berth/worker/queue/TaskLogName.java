package dev.berth.worker.queue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.task.TaskDefinition;
import dev.berth.worker.payload.DockerPayload;

/**
 * The artifact name of a task's log, read from the raw payload before it is validated: the log
 * artifact is created as soon as the run is claimed, so even "your payload is malformed" is
 * readable where the task author looks for it.
 */
public final class TaskLogName {

    private TaskLogName() {}

    public static String of(TaskDefinition task) {
        JsonNode payload = task.payload();
        JsonNode log = payload == null ? null : payload.get("log");
        if (log != null && log.isTextual() && !log.asText().isBlank()) return log.asText();
        return DockerPayload.DEFAULT_LOG;
    }
}
