package dev.berth.worker.queue;

import java.time.Instant;

/** What came of a reclaim: the claim was extended, or the run is no longer this worker's to run. */
public sealed interface ReclaimResult {

    /** The claim now lasts until {@code takenUntil}. */
    record Renewed(Instant takenUntil) implements ReclaimResult {}

    /**
     * The queue refused (409): the run was cancelled, resolved, or is past its deadline or claim.
     * The worker stops the container and reports nothing more about the run.
     */
    record Gone(String why) implements ReclaimResult {}
}
