package dev.berth.core.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.core.BerthException;
import java.util.EnumSet;
import java.util.Set;

public enum ReasonResolved {
    COMPLETED("completed"), FAILED("failed"), DEADLINE_EXCEEDED("deadline-exceeded"), CANCELED("canceled"),
    CLAIM_EXPIRED("claim-expired"), WORKER_SHUTDOWN("worker-shutdown"), MALFORMED_PAYLOAD("malformed-payload"),
    RESOURCE_UNAVAILABLE("resource-unavailable"), INTERNAL_ERROR("internal-error"),
    INTERMITTENT_TASK("intermittent-task"), SUPERSEDED("superseded");

    /** Reasons a worker may give in reportException. */
    public static final Set<ReasonResolved> WORKER_EXCEPTIONS = EnumSet.of(
            WORKER_SHUTDOWN, MALFORMED_PAYLOAD, RESOURCE_UNAVAILABLE, INTERNAL_ERROR, INTERMITTENT_TASK, SUPERSEDED);

    private final String wire;

    ReasonResolved(String wire) { this.wire = wire; }

    @JsonValue
    public String wire() { return wire; }

    @JsonCreator
    public static ReasonResolved fromWire(String s) {
        for (ReasonResolved r : values()) if (r.wire.equals(s)) return r;
        throw BerthException.input("unknown reason '" + s + "'");
    }
}
