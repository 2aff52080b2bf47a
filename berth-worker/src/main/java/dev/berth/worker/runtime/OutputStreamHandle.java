package dev.berth.worker.runtime;

import java.time.Duration;

/** A running output stream from {@link ContainerRuntime#followOutput}. */
public interface OutputStreamHandle extends AutoCloseable {

    /**
     * Waits for the stream to end (the container exited and every byte was delivered).
     *
     * @return true if it ended within {@code timeout}
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException;

    /** Stops following; no chunk is delivered after this returns. */
    @Override
    void close();
}
