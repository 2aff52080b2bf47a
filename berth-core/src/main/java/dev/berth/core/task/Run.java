package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/** One attempt at a task, as in Taskcluster's task status. Absent fields are null and left out of JSON. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"runId", "state", "reasonCreated", "reasonResolved", "workerGroup", "workerId", "takenUntil",
        "scheduled", "started", "resolved"})
public record Run(
        int runId,
        TaskState state,
        ReasonCreated reasonCreated,
        ReasonResolved reasonResolved,
        String workerGroup,
        String workerId,
        Instant takenUntil,
        Instant scheduled,
        Instant started,
        Instant resolved) {

    public static Run pending(int runId, ReasonCreated reason, Instant now) {
        return new Run(runId, TaskState.PENDING, reason, null, null, null, null, now, null, null);
    }

    public Run claimed(String workerGroup, String workerId, Instant takenUntil, Instant now) {
        return new Run(runId, TaskState.RUNNING, reasonCreated, null, workerGroup, workerId, takenUntil, scheduled, now, null);
    }

    public Run withTakenUntil(Instant until) {
        return new Run(runId, state, reasonCreated, reasonResolved, workerGroup, workerId, until, scheduled, started, resolved);
    }

    public Run resolvedAs(TaskState finalState, ReasonResolved reason, Instant now) {
        return new Run(runId, finalState, reasonCreated, reason, workerGroup, workerId, takenUntil, scheduled, started, now);
    }
}
