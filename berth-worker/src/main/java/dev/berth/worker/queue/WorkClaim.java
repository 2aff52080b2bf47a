package dev.berth.worker.queue;

import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.worker.run.ClaimedRun;
import java.time.Instant;
import java.util.Objects;

/**
 * One run this worker holds: what to run, and the claim on it that must be renewed before
 * {@link #takenUntil()}. The run's temporary credentials (scoped to reclaiming, resolving and
 * creating artifacts for this run only) are replaced at every reclaim, so the claim is mutable in
 * exactly those two fields; readers on other threads see the newest values.
 */
public final class WorkClaim {

    private final ClaimedRun run;
    private volatile Instant takenUntil;
    private volatile TemporaryCredentials credentials;

    public WorkClaim(ClaimedRun run, Instant takenUntil, TemporaryCredentials credentials) {
        this.run = Objects.requireNonNull(run, "run");
        this.takenUntil = Objects.requireNonNull(takenUntil, "takenUntil");
        this.credentials = credentials;
    }

    public ClaimedRun run() { return run; }

    public String taskId() { return run.taskId(); }

    public int runId() { return run.runId(); }

    public Instant takenUntil() { return takenUntil; }

    /** The run's temporary credentials, or null when the queue gave none (then the worker's own are used). */
    public TemporaryCredentials credentials() { return credentials; }

    /** Records a successful reclaim. */
    public synchronized void renew(Instant newTakenUntil, TemporaryCredentials newCredentials) {
        this.takenUntil = Objects.requireNonNull(newTakenUntil, "takenUntil");
        if (newCredentials != null) this.credentials = newCredentials;
    }

    @Override
    public String toString() {
        // no credentials: this ends up in log lines
        return run.taskId() + "/" + run.runId();
    }
}
