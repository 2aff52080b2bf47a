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

    /**
     * What an {@link #appendAt} did: the blob's size afterwards and how many of the given bytes were new.
     * When the batch started beyond the stored size nothing is written and {@code size} is the stored size,
     * less than the batch's start: bytes before it are missing.
     */
    record Appended(long size, int written) {
        /** Whether the batch was refused because bytes before it are missing. */
        public boolean gapBefore(long at) { return size < at; }
    }

    /**
     * Appends a batch that starts at byte {@code at} of the blob, writing only what the blob does not hold
     * yet, so a batch sent again (its first answer was lost) is not stored twice. With {@code size} the
     * stored size (0 when there is no blob): {@code at == size} appends all; {@code at + length <= size}
     * writes nothing (stored already); {@code at < size < at + length} appends the bytes past {@code size};
     * {@code at > size} writes nothing and answers the stored size (see {@link Appended}).
     *
     * <p>The default checks then appends, which is right while appends to a key come one at a time; stores
     * that several writers can reach at once override it so that the check and the write are one step.
     */
    default Appended appendAt(String key, long at, byte[] bytes, int offset, int length) throws IOException {
        long size = Math.max(0, size(key));
        int skip = newBytesFrom(at, size, length);
        if (skip < 0) return new Appended(size, 0);
        if (skip == length) return new Appended(size, 0);
        return new Appended(append(key, bytes, offset + skip, length - skip), length - skip);
    }

    /**
     * How many leading bytes of a batch of {@code length} starting at {@code at} the blob holds already,
     * given its {@code size}: {@code length} when all are stored, -1 when bytes before the batch are missing.
     */
    static int newBytesFrom(long at, long size, int length) {
        if (at < 0) throw new IllegalArgumentException("append offset must not be negative, got " + at);
        if (at > size) return -1;
        return (int) Math.min(length, size - at);
    }

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
