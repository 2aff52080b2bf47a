package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The status structure of Taskcluster's queue: a task's identity, its retries left and its runs. */
@JsonPropertyOrder({"taskId", "provisionerId", "workerType", "taskQueueId", "schedulerId", "projectId",
        "taskGroupId", "deadline", "expires", "retriesLeft", "state", "runs"})
public record TaskStatus(
        String taskId,
        String provisionerId,
        String workerType,
        String taskQueueId,
        String schedulerId,
        String projectId,
        String taskGroupId,
        Instant deadline,
        Instant expires,
        int retriesLeft,
        TaskState state,
        List<Run> runs) {

    public TaskStatus {
        runs = List.copyOf(runs);
    }

    @JsonIgnore
    public Optional<Run> latestRun() {
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
    }

    /** A copy with these runs; the task state follows the latest run. */
    public TaskStatus withRuns(List<Run> newRuns, int newRetriesLeft) {
        TaskState newState = newRuns.isEmpty() ? TaskState.UNSCHEDULED : newRuns.get(newRuns.size() - 1).state();
        return new TaskStatus(taskId, provisionerId, workerType, taskQueueId, schedulerId, projectId, taskGroupId,
                deadline, expires, newRetriesLeft, newState, newRuns);
    }
}
