package dev.berth.worker.images;

import dev.berth.worker.queue.WorkClaim;
import java.io.IOException;
import java.io.InputStream;

/** Where task images come from: artifacts of other tasks, read with a run's credentials, and the index. */
public interface ImageArtifacts {

    /**
     * The bytes of artifact {@code name} of the latest run of {@code taskId}, read with {@code claim}'s credentials
     * (the task's own scopes: a private artifact needs {@code queue:get-artifact:<name>} among them).
     *
     * @throws Refused when the queue says there is no such artifact, or that the task may not read it
     * @throws IOException when the queue cannot be reached or fails
     */
    InputStream open(WorkClaim claim, String taskId, String name) throws IOException;

    /**
     * The bytes of object {@code name} (the object service), read with {@code claim}'s credentials: the task's
     * scopes must hold {@code object:download:<name>}.
     *
     * @throws Refused when there is no such object, or the task may not read it
     */
    InputStream openObject(WorkClaim claim, String name) throws IOException;

    /**
     * The task indexed at {@code namespace}.
     *
     * @throws Refused when nothing is indexed there
     */
    String indexedTask(String namespace) throws IOException;

    /** The queue answered, and the answer is the task's to fix (not found, not allowed). */
    final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }
}
