package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.core.BerthException;

/** When a task with dependencies becomes pending: all dependencies completed, or all resolved in any way. */
public enum Requires {
    ALL_COMPLETED("all-completed"), ALL_RESOLVED("all-resolved");

    private final String wire;

    Requires(String wire) { this.wire = wire; }

    @JsonValue
    public String wire() { return wire; }

    @JsonCreator
    public static Requires fromWire(String s) {
        for (Requires r : values()) if (r.wire.equals(s)) return r;
        throw BerthException.input("requires must be all-completed or all-resolved; got '" + s + "'");
    }

    /** Whether a dependency in this state lets the dependent go ahead. */
    public boolean satisfiedBy(TaskState state) {
        return this == ALL_COMPLETED ? state == TaskState.COMPLETED : state.isResolved();
    }
}
