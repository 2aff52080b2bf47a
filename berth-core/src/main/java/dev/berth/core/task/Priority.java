package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.core.BerthException;

/** The seven task priorities; {@link #level()} grows with urgency. {@code normal} is accepted as an alias of lowest. */
public enum Priority {
    HIGHEST("highest", 7), VERY_HIGH("very-high", 6), HIGH("high", 5), MEDIUM("medium", 4),
    LOW("low", 3), VERY_LOW("very-low", 2), LOWEST("lowest", 1);

    private final String wire;
    private final int level;

    Priority(String wire, int level) { this.wire = wire; this.level = level; }

    @JsonValue
    public String wire() { return wire; }

    public int level() { return level; }

    @JsonCreator
    public static Priority fromWire(String s) {
        if ("normal".equals(s)) return LOWEST;
        for (Priority p : values()) if (p.wire.equals(s)) return p;
        throw BerthException.input("priority must be one of highest, very-high, high, medium, low, very-low, lowest; got '" + s + "'");
    }

    public static Priority fromLevel(int level) {
        for (Priority p : values()) if (p.level == level) return p;
        throw new IllegalArgumentException("priority level " + level);
    }
}
