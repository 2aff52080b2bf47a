package dev.berth.worker.retry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * How a background call's failures reach the log without flooding it during an outage: the first
 * failure in a row at WARN, the following ones at DEBUG with a WARN summary every
 * {@link #SUMMARY_EVERY}, and an INFO line when the call works again. Thread-safe.
 */
public final class FailureLog {

    public static final Duration SUMMARY_EVERY = Duration.ofMinutes(1);

    private final Logger log;
    private final String what;
    private final Clock clock;
    private int failures;
    private Instant firstFailure;
    private Instant lastWarn;

    /** @param what the call, as the log names it (e.g. "status poll") */
    public FailureLog(Logger log, String what, Clock clock) {
        this.log = log;
        this.what = what;
        this.clock = clock;
    }

    /** Records one failure; {@code action} says what happens next (e.g. "retrying in 2s"). */
    public synchronized void failed(Object subject, Throwable e, String action) {
        Instant now = clock.instant();
        failures++;
        if (failures == 1) {
            firstFailure = now;
            lastWarn = now;
            log.warn("{} of {} failed, {}: {}", what, subject, action, e.toString());
        } else if (Duration.between(lastWarn, now).compareTo(SUMMARY_EVERY) >= 0) {
            lastWarn = now;
            log.warn("{} still failing ({} failures in {}s), {}: {}", what, failures,
                    Duration.between(firstFailure, now).toSeconds(), action, e.toString());
        } else {
            log.debug("{} of {} failed again ({} in a row), {}: {}", what, subject, failures, action, e.toString());
        }
    }

    /** Records a success; says so at INFO when it ends a run of failures. */
    public synchronized void succeeded(Object subject) {
        if (failures == 0) return;
        log.info("{} of {} works again after {} failure(s) over {}s", what, subject, failures,
                Duration.between(firstFailure, clock.instant()).toSeconds());
        failures = 0;
        firstFailure = null;
    }

    public synchronized int failuresInARow() {
        return failures;
    }
}
