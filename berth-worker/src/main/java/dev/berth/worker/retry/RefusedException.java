package dev.berth.worker.retry;

import java.io.IOException;

/** An HTTP answer other than success from a call made outside the Berth client (log appends). */
public final class RefusedException extends IOException {

    private final int statusCode;

    public RefusedException(int statusCode, String message) {
        super(message);
        this.statusCode = statusCode;
    }

    public int statusCode() {
        return statusCode;
    }
}
