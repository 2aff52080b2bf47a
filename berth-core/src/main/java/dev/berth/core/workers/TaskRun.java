package dev.berth.core.workers;

import java.util.Objects;

/** One run of one task, as a worker's recent tasks list it (Taskcluster's task-run.json). */
public record TaskRun(String taskId, int runId) {

    public TaskRun {
        Objects.requireNonNull(taskId, "taskId");
    }
}
