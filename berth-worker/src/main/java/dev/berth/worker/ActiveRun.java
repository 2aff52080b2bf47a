package dev.berth.worker;

import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.run.RunReporter;
import dev.berth.worker.run.TaskRunner;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;

/** A run in progress on this worker and what the worker does for it meanwhile. */
final class ActiveRun {

    /** Why a run's container was stopped by the worker rather than ending by itself; the first reason wins. */
    enum StopReason { RUN_GONE, WORKER_SHUTDOWN }

    final WorkClaim claim;
    final TaskRunner runner;
    final RunReporter reporter;
    final AtomicReference<StopReason> stopReason = new AtomicReference<>();
    volatile Thread thread;
    volatile boolean finished;
    boolean slotReleased; // guarded by RunSlots
    volatile ScheduledFuture<?> reclaim;
    volatile ScheduledFuture<?> statusPoll;

    ActiveRun(WorkClaim claim, TaskRunner runner, RunReporter reporter) {
        this.claim = claim;
        this.runner = runner;
        this.reporter = reporter;
    }

    String key() {
        return key(claim);
    }

    static String key(WorkClaim claim) {
        return claim.taskId() + "/" + claim.runId();
    }

    /** Stops the container for {@code reason}, unless it was stopped for another reason already. */
    void stop(StopReason reason) {
        if (stopReason.compareAndSet(null, reason)) runner.cancel();
    }

    /** Whether nothing more should be done for the run by the supervisor. */
    boolean done() {
        return finished || stopReason.get() != null;
    }
}
