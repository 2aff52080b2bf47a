package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonValue;

/** State of a run; the state of a task is the state of its latest run (or unscheduled). */
public enum TaskState {
    UNSCHEDULED, PENDING, RUNNING, COMPLETED, FAILED, EXCEPTION;

    @JsonValue
    public String wire() { return name().toLowerCase(); }

    public boolean isResolved() { return this == COMPLETED || this == FAILED || this == EXCEPTION; }

    public static TaskState fromWire(String s) {
        for (TaskState v : values()) if (v.wire().equals(s)) return v;
        throw new IllegalArgumentException("unknown task state: " + s);
    }
}
