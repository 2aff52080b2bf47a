package dev.berth.worker.features;

import dev.berth.core.task.ReasonResolved;
import java.util.Objects;

/** A feature could not do its part: the run ends exception/{@link #reason()}, the message in the task log. */
public final class FeatureFailure extends Exception {

    private final ReasonResolved reason;

    private FeatureFailure(ReasonResolved reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Something the worker's host lacks (a port, a profile, an upstream): resource-unavailable. */
    public static FeatureFailure unavailable(String message, Throwable cause) {
        return new FeatureFailure(ReasonResolved.RESOURCE_UNAVAILABLE, message, cause);
    }

    /** A fault inside the worker: internal-error. */
    public static FeatureFailure internal(String message, Throwable cause) {
        return new FeatureFailure(ReasonResolved.INTERNAL_ERROR, message, cause);
    }

    /** What the task asked cannot be done (its own mistake): malformed-payload. */
    public static FeatureFailure malformed(String message) {
        return new FeatureFailure(ReasonResolved.MALFORMED_PAYLOAD, message, null);
    }

    public ReasonResolved reason() {
        return reason;
    }
}
