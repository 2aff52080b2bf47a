package dev.berth.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An artifact of one run. {@code storageType} is Taskcluster's: {@code s3} or {@code object} (bytes held in the
 * BlobStore under {@code blobKey}), {@code reference} (a URL in details.url), {@code error} (details.reason and
 * details.message), {@code link} (details.artifact). {@code present} turns true once the bytes are uploaded.
 * {@code details} carries type-specific fields (size, sha256, url, reason, message, ...).
 */
public record ArtifactRecord(
        String taskId,
        int runId,
        String name,
        String storageType,
        String contentType,
        Instant expires,
        boolean present,
        String blobKey,
        JsonNode details) {

    public ArtifactRecord withPresent(boolean nowPresent, JsonNode newDetails) {
        return new ArtifactRecord(taskId, runId, name, storageType, contentType, expires, nowPresent, blobKey, newDetails);
    }
}
