package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

public enum ReasonCreated {
    SCHEDULED("scheduled"), RETRY("retry"), TASK_RETRY("task-retry"), RERUN("rerun"), EXCEPTION("exception");

    private final String wire;

    ReasonCreated(String wire) { this.wire = wire; }

    @JsonValue
    public String wire() { return wire; }

    @JsonCreator
    public static ReasonCreated fromWire(String s) {
        for (ReasonCreated r : values()) if (r.wire.equals(s)) return r;
        throw new IllegalArgumentException("unknown reasonCreated: " + s);
    }
}
