package dev.berth.core.object;

import java.time.Instant;
import java.util.Map;

/**
 * An object of the object service. While {@code finished} is false it is an upload in progress, open to whoever
 * holds {@code uploadId}; once finished its bytes (under {@code blobKey}) and {@code hashes} never change until it
 * expires. {@code size} is -1 and {@code contentType} null until an upload method says them.
 */
public record ObjectRecord(
        String name,
        String projectId,
        String uploadId,
        boolean finished,
        Instant expires,
        Instant uploadExpires,
        String blobKey,
        String contentType,
        long size,
        Map<String, String> hashes,
        Instant created) {

    public ObjectRecord {
        hashes = Map.copyOf(hashes);
    }

    public ObjectRecord withUpload(String newContentType, long newSize, Map<String, String> newHashes) {
        return new ObjectRecord(name, projectId, uploadId, finished, expires, uploadExpires, blobKey, newContentType, newSize,
                newHashes, created);
    }

    public ObjectRecord finishedWith(long newSize, Map<String, String> newHashes) {
        return new ObjectRecord(name, projectId, uploadId, true, expires, uploadExpires, blobKey, contentType, newSize,
                newHashes, created);
    }
}
