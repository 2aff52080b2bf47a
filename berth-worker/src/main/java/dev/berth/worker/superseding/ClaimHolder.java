package dev.berth.worker.superseding;

import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.run.RunReporter;

/**
 * Keeps a claimed secondary task's claim while its primary runs: reclaims it and notices when the queue no
 * longer has it running (cancelled), as for any run of the worker (its supervisor does both).
 */
@FunctionalInterface
public interface ClaimHolder {

    Held hold(WorkClaim claim, RunReporter reporter);

    /** One held claim. */
    interface Held {
        /** Whether the queue took the run back (a reclaim refused, or the run no longer running there). */
        boolean gone();

        /** Stops holding it (before it is resolved). */
        void release();
    }
}
