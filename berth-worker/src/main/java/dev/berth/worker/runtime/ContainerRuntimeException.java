package dev.berth.worker.runtime;

import dev.berth.core.BerthException;

/** The engine failed or refused an operation. */
public class ContainerRuntimeException extends BerthException {

    public ContainerRuntimeException(String message, Throwable cause) {
        super(Kind.INTERNAL, message, cause);
    }

    public ContainerRuntimeException(Kind kind, String message, Throwable cause) {
        super(kind, message, cause);
    }
}
