package dev.berth.worker.runtime;

import java.time.Duration;

/** An image build ran longer than it was given; the engine was told to stop it. */
public final class BuildTimeoutException extends ContainerRuntimeException {

    private final Duration timeout;

    public BuildTimeoutException(Duration timeout) {
        super("the image build did not end within " + timeout.toSeconds() + "s and was stopped", null);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
