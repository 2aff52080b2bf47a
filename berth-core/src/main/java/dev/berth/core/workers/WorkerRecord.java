package dev.berth.core.workers;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A worker of a task queue, seen when it claims or reclaims work or declared with declareWorker.
 *
 * @param quarantineUntil null when it was never quarantined; a past time means the quarantine ended
 * @param quarantineDetails every quarantine change, oldest first
 * @param recentTasks the runs it claimed most recently, oldest first (at most {@link #RECENT_TASKS})
 */
public record WorkerRecord(String taskQueueId, String workerGroup, String workerId, Instant quarantineUntil,
                           List<QuarantineDetail> quarantineDetails, Instant expires, Instant firstClaim,
                           Instant lastDateActive, List<TaskRun> recentTasks) {

    /** How many recent runs a worker keeps, as Taskcluster. */
    public static final int RECENT_TASKS = 20;

    public WorkerRecord {
        Objects.requireNonNull(taskQueueId, "taskQueueId");
        Objects.requireNonNull(workerGroup, "workerGroup");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(firstClaim, "firstClaim");
        quarantineDetails = List.copyOf(quarantineDetails);
        recentTasks = List.copyOf(recentTasks);
    }

    /** Whether it may get no work at {@code now}. */
    public boolean quarantinedAt(Instant now) {
        return quarantineUntil != null && quarantineUntil.isAfter(now);
    }

    /** Still listed at {@code now}: not expired, or expired but still quarantined (as Taskcluster keeps it visible). */
    public boolean aliveAt(Instant now) {
        return !expires.isBefore(now) || quarantinedAt(now);
    }
}
