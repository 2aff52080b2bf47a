package dev.berth.worker.queue;

import dev.berth.core.task.ReasonResolved;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;

/**
 * The queue calls about one run, each signed with that run's temporary credentials: what
 * {@link QueueRunReporter} is made of. Kept apart from the reporter so its ordering and batching
 * are tested without a server, and so the HTTP client is used in exactly one place.
 */
public interface RunCalls {

    /** createArtifact with storageType s3; returns the putUrl the content goes to. */
    URI createUploadArtifact(String name, String contentType, Instant expires) throws IOException;

    /**
     * createArtifact with storageType s3 for content sent in appends (a live log); returns the URL appends
     * are POSTed to: the server's appendUrl, as a putUrl may point at an object store that cannot append.
     */
    default URI createAppendArtifact(String name, String contentType, Instant expires) throws IOException {
        return createUploadArtifact(name, contentType, expires);
    }

    /** createArtifact with storageType error. */
    void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException;

    /** finishArtifact: the content is complete. */
    void finishArtifact(String name) throws IOException;

    /**
     * POST to an appendUrl: appends {@code bytes} (live log chunks) to the artifact, as the batch starting at
     * byte {@code offset} of it (sent as {@code ?offset=n}; the queue stores only what it lacks), or at its end
     * when {@code offset} is -1. Returns the artifact's size the queue answered, -1 when it did not say.
     */
    long appendContent(URI putUrl, long offset, byte[] bytes) throws IOException;

    /**
     * The log's last batch: appended as by {@link #appendContent}, and the artifact finished in the same
     * request where the queue can ({@code ?finish=true}). Returns true when the queue said it finished the
     * artifact; false when the artifact still has to be finished ({@link #finishArtifact}).
     */
    default boolean appendAndFinish(URI putUrl, long offset, byte[] bytes) throws IOException {
        appendContent(putUrl, offset, bytes);
        return false;
    }

    /** PUT to a putUrl: the whole content, streamed, exactly {@code size} bytes (not closed here). */
    void putContent(URI putUrl, String contentType, long size, InputStream content) throws IOException;

    void reportCompleted() throws IOException;

    void reportFailed() throws IOException;

    void reportException(ReasonResolved reason) throws IOException;
}
