package dev.berth.worker.payload;

import java.time.Instant;

/**
 * One entry of the payload's {@code artifacts}.
 *
 * @param name the artifact name (for a directory: the prefix of every file's name)
 * @param kind file or directory
 * @param path absolute path inside the container
 * @param expires when the artifact expires, or null for the task's own expiry
 */
public record ArtifactSpec(String name, Kind kind, String path, Instant expires) {

    public enum Kind { FILE, DIRECTORY }
}
