package dev.berth.worker.runtime;

import java.time.Duration;
import java.util.Optional;

/**
 * A wait for a container's exit, registered with the engine before the container starts (see
 * {@link ContainerRuntime#watchExit}). Closed once the run no longer needs it.
 */
public interface ExitWatch extends AutoCloseable {

    /**
     * Waits up to {@code timeout} for the exit; may be asked again after it answered empty.
     *
     * @return the exit (code and whether the kernel OOM-killed it), or empty when still running
     */
    Optional<ContainerExit> await(Duration timeout);

    @Override
    default void close() {}
}
