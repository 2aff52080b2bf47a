package dev.berth.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Bytes of artifacts and logs, by key. Bodies stream: no implementation holds a whole blob in memory. */
public interface BlobStore {

    /** What was stored: its size in bytes and lowercase hex SHA-256. */
    record BlobInfo(long size, String sha256) {}

    /** Stores the whole stream under {@code key}, replacing what was there. */
    BlobInfo put(String key, InputStream content) throws IOException;

    /** Appends bytes to {@code key} (creating it), e.g. a live log; returns the new size. */
    long append(String key, byte[] bytes, int offset, int length) throws IOException;

    /** Opens the blob at byte {@code from}; empty when there is no such blob. */
    Optional<InputStream> open(String key, long from) throws IOException;

    /** Size in bytes, or -1 when there is no such blob. */
    long size(String key) throws IOException;

    void delete(String key) throws IOException;

    /**
     * The appends to {@code key} are over (a live log finished): a store that keeps appended bytes apart
     * makes them one blob now. Putting or appending afterwards is not expected.
     */
    default void seal(String key) throws IOException {}

    /**
     * A URL that stores a PUT body under {@code key} without passing through this process, valid for
     * {@code validFor}; empty when the store has no such URLs (the server then takes the bytes itself).
     */
    default Optional<URI> presignedPut(String key, Duration validFor) { return Optional.empty(); }

    /**
     * A URL that answers the blob's bytes (with {@code contentType}) without passing through this process;
     * empty when the store has no such URLs.
     */
    default Optional<URI> presignedGet(String key, String contentType, Duration validFor) { return Optional.empty(); }
}
