package dev.berth.core.store;

import java.io.IOException;
import java.io.InputStream;
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
}
