package dev.berth.worker.retry;

import dev.berth.client.BerthApiException;

/**
 * Which failures are answers rather than outages. A 4xx (the run is resolved, cancelled, no longer
 * this worker's, or the request is wrong) will be the same next time: retrying it only delays the
 * inevitable. Everything else (no connection, timeouts, 5xx, 408, 429) may pass.
 */
public final class FinalAnswer {

    private FinalAnswer() {}

    public static boolean isFinal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            int status = -1;
            if (t instanceof BerthApiException api) status = api.statusCode();
            if (t instanceof RefusedException refused) status = refused.statusCode();
            if (status >= 400 && status < 500 && status != 408 && status != 429) return true;
        }
        return false;
    }
}
