package dev.berth.worker.runtime;

import dev.berth.core.BerthException;

/**
 * The container engine does not answer (stopped, restarting, socket gone). Not the task's fault:
 * a run caught by it is handed back for a retry, and the worker claims nothing until the engine
 * answers again.
 */
public class EngineUnavailableException extends ContainerRuntimeException {

    public EngineUnavailableException(String message, Throwable cause) {
        super(BerthException.Kind.UNAVAILABLE, message, cause);
    }
}
