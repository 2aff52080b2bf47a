package dev.berth.worker.retry;

import java.time.Duration;

/**
 * Exponential backoff: {@code initial}, twice that, four times … capped at {@code max}. Background
 * calls to a queue that went away back off so a fleet of workers does not hammer it as it returns.
 */
public record Backoff(Duration initial, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));

    public Backoff {
        if (initial.isNegative() || initial.isZero()) throw new IllegalArgumentException("initial must be positive");
        if (max.compareTo(initial) < 0) throw new IllegalArgumentException("max must be at least initial");
    }

    /** The pause after the {@code failures}-th failure in a row (1 = the first). */
    public Duration after(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 30));
        long millis = initial.toMillis() << Math.min(doublings, 40);
        if (millis <= 0 || millis > max.toMillis() || doublings >= 30) return max;
        return Duration.ofMillis(millis);
    }
}
