package dev.berth.core.object;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where object records live (the bytes are in the BlobStore). Names and upload ids are each unique. */
public interface ObjectStore {

    /**
     * Stores {@code object} unless its name or its upload id is taken. Answers the record that now holds the
     * name: {@code object} itself when it was stored, else the existing one; when the upload id belongs to an
     * object of another name, that object (whose name then differs from the one asked for).
     */
    ObjectRecord insertIfAbsent(ObjectRecord object);

    Optional<ObjectRecord> find(String name);

    /**
     * Replaces the record of {@code object.name()} when it is still an unfinished upload with
     * {@code object.uploadId()}: a compare-and-set, so an upload is finished once. False when it was not.
     */
    boolean updateUnfinished(ObjectRecord object);

    /** Objects past their expiry, and unfinished uploads past their upload expiry, at most {@code limit}. */
    List<ObjectRecord> expired(Instant now, int limit);

    /** Deletes the object {@code name} if it still has {@code uploadId} (not a newer one of the same name). */
    boolean delete(String name, String uploadId);
}
