package dev.berth.worker.features.interactive;

import java.time.Duration;
import java.time.Instant;

/**
 * When a container kept for shells may end, as docker-worker decided it: not before {@code afterExit} past the
 * command's exit, nor while a session is open, nor before {@code idleAfterSession} past the last session's end;
 * and at {@code hardLimit} (the run's maxRunTime) whatever is open.
 */
final class KeepAlive {

    private final Duration afterExit;
    private final Duration idleAfterSession;
    private final Instant hardLimit;
    private Instant exited;
    private Instant lastSessionEnd;
    private int open;

    KeepAlive(Duration afterExit, Duration idleAfterSession, Instant hardLimit) {
        this.afterExit = afterExit;
        this.idleAfterSession = idleAfterSession;
        this.hardLimit = hardLimit;
    }

    synchronized void commandExited(Instant at) {
        if (exited == null) exited = at;
    }

    synchronized void sessionOpened() {
        open++;
    }

    synchronized void sessionEnded(Instant at) {
        if (open > 0) open--;
        lastSessionEnd = at;
    }

    synchronized int openSessions() {
        return open;
    }

    synchronized boolean commandHasExited() {
        return exited != null;
    }

    /** The earliest the container may end if no session opens from now on; null while the command runs. */
    synchronized Instant until() {
        if (exited == null) return null;
        Instant until = exited.plus(afterExit);
        if (lastSessionEnd != null && lastSessionEnd.plus(idleAfterSession).isAfter(until)) {
            until = lastSessionEnd.plus(idleAfterSession);
        }
        return until.isAfter(hardLimit) ? hardLimit : until;
    }

    /** Whether the container may end now. */
    synchronized boolean mayEnd(Instant now) {
        if (exited == null) return false;
        if (!now.isBefore(hardLimit)) return true;
        return open == 0 && !now.isBefore(until());
    }

    Instant hardLimit() {
        return hardLimit;
    }
}
