package dev.berth.worker.queue;

import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The worker's narrow view of the queue: everything the claim loop asks of it. The adapter over the
 * HTTP client ({@code ClientWorkQueue}) is the only implementation that talks to a server; the claim
 * loop is tested against a fake.
 *
 * <p>{@link IOException} means "the queue could not be reached or answered oddly, try again later";
 * it never means the run is gone — that is {@link ReclaimResult.Gone} or {@link #isStillRunning}.
 * Implementations are called from several threads at once.
 */
public interface WorkQueue {

    /**
     * Claims up to {@code max} pending tasks of this worker's task queue, waiting up to about
     * {@code wait} for one to appear (the server's long poll).
     *
     * @return the runs claimed, possibly none
     */
    List<WorkClaim> claimWork(int max, Duration wait) throws IOException, InterruptedException;

    /**
     * claimTask: claims the latest run of {@code taskId} for this worker if that run is pending (superseding:
     * the worker takes over tasks a superseder lists), with the worker's own credentials, which need
     * {@code queue:claim-task:<taskQueueId>} for the task's queue.
     *
     * @return the claim, or empty when the task has no pending run (running, resolved, or claimed by another
     *     worker first)
     * @throws dev.berth.core.BerthException when the queue refuses (no such task, scopes that do not cover it)
     */
    default java.util.Optional<WorkClaim> claimTask(String taskId) throws IOException {
        throw new UnsupportedOperationException("this queue does not claim single tasks");
    }

    /**
     * Extends the claim on a run. On success the new {@code takenUntil} and credentials are also
     * stored in {@code claim} ({@link WorkClaim#renew}), so later calls about the run use them.
     */
    ReclaimResult reclaim(WorkClaim claim) throws IOException;

    /**
     * Whether the run is still {@code running} on the queue, held by this worker. False once it was
     * cancelled, resolved or expired: the worker then stops the container without reporting.
     */
    boolean isStillRunning(WorkClaim claim) throws IOException;

    /**
     * A reporter for everything the run sends to the queue: its live log, artifacts and resolution,
     * signed with the run's own temporary credentials. Creating it may already talk to the queue
     * (the live log artifact is created at once, so viewers can follow it from the first line).
     */
    RunReporter reporterFor(WorkClaim claim) throws IOException;
}
