package dev.berth.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** A clock tests move by hand. Starts at a fixed, millisecond-aligned instant (JSON keeps milliseconds). */
public final class MutableClock extends Clock {

    public static final Instant DEFAULT_START = Instant.parse("2030-01-01T00:00:00Z");

    private volatile Instant now;
    private final ZoneId zone;

    public MutableClock() { this(DEFAULT_START); }

    public MutableClock(Instant start) { this(start, ZoneOffset.UTC); }

    private MutableClock(Instant start, ZoneId zone) {
        this.now = start.truncatedTo(ChronoUnit.MILLIS);
        this.zone = zone;
    }

    public void set(Instant instant) { now = instant.truncatedTo(ChronoUnit.MILLIS); }

    /** Moves the clock on and returns the new time. */
    public synchronized Instant advance(Duration by) {
        now = now.plus(by).truncatedTo(ChronoUnit.MILLIS);
        return now;
    }

    @Override
    public Instant instant() { return now; }

    @Override
    public ZoneId getZone() { return zone; }

    @Override
    public Clock withZone(ZoneId newZone) { return new MutableClock(now, newZone); }
}
