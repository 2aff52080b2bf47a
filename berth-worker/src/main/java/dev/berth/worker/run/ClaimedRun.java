package dev.berth.worker.run;

import dev.berth.core.task.TaskDefinition;
import java.util.Objects;

/** A run this worker claimed and now executes. */
public record ClaimedRun(String taskId, int runId, TaskDefinition task) {

    public ClaimedRun {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(task, "task");
        if (runId < 0) throw new IllegalArgumentException("runId must be >= 0");
    }
}
