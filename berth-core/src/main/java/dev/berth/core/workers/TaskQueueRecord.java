package dev.berth.core.workers;

import java.time.Instant;
import java.util.Objects;

/**
 * A task queue the queue knows of: seen when workers claim from it or tasks are created on it, or declared
 * (declareWorkerType, declareWorker). Its provisioner id and worker type are the two halves of its id.
 */
public record TaskQueueRecord(String taskQueueId, String description, String stability, Instant expires,
                              Instant lastDateActive) {

    public TaskQueueRecord {
        Objects.requireNonNull(taskQueueId, "taskQueueId");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(stability, "stability");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(lastDateActive, "lastDateActive");
        if (taskQueueId.indexOf('/') <= 0) throw new IllegalArgumentException("taskQueueId " + taskQueueId);
    }

    public String provisionerId() { return taskQueueId.substring(0, taskQueueId.indexOf('/')); }

    public String workerType() { return taskQueueId.substring(taskQueueId.indexOf('/') + 1); }
}
