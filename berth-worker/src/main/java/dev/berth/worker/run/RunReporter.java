package dev.berth.worker.run;

import dev.berth.core.task.ReasonResolved;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * Everything a {@link TaskRunner} sends to the queue about one run. The queue client implements it;
 * tests record calls. Calls come from the runner's thread, except {@link #appendLog}, which is also
 * called from the thread that follows the container's output — never two at once.
 *
 * <p>Exactly one of the {@code report*} methods is called per run, last, and none at all when the
 * run was cancelled (the queue resolved it already).
 */
public interface RunReporter {

    /** A chunk of the task log, in order. The array is the reporter's to keep. */
    void appendLog(byte[] chunk);

    /**
     * The container's output has ended: the log's remaining lines (the worker's own) may wait for
     * {@link #finishLog} and go out with it, instead of each on its own just before it.
     */
    default void holdLog() { }

    /**
     * Uploads one artifact from {@code content}, which the reporter reads to its end but must not
     * close (it is a window on a larger stream).
     *
     * @param size exact number of bytes {@code content} yields
     */
    void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException;

    /** Creates an artifact of storage type error: fetching it answers {@code reason} and {@code message}. */
    void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException;

    /**
     * The log is complete: keep it as artifact {@code name} (the payload's {@code log}, by default
     * {@code public/logs/live.log}). Called once, before the run is reported.
     */
    void finishLog(String name, Instant expires) throws IOException;

    void reportCompleted() throws IOException;

    void reportFailed() throws IOException;

    /** @param reason one of {@link ReasonResolved#WORKER_EXCEPTIONS} */
    void reportException(ReasonResolved reason) throws IOException;
}
