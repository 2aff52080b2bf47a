package dev.berth.worker.caches;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Worker settings of caches and disk garbage collection.
 *
 * @param dir where cache instances keep their data: each instance is still a named volume, bound to a
 *     directory here (the engine must run on this machine); null keeps them in the engine's own volume
 *     storage. Its free space counts toward {@code minFreeDisk}.
 * @param imageIdle how long an image no task has used stays when disk runs low
 */
public record CacheSettings(Path dir, Duration imageIdle) {

    public static final Duration DEFAULT_IMAGE_IDLE = Duration.ofHours(1);
    public static final CacheSettings DEFAULT = new CacheSettings(null, DEFAULT_IMAGE_IDLE);

    public CacheSettings {
        Objects.requireNonNull(imageIdle, "imageIdle");
        if (imageIdle.isNegative()) throw new IllegalArgumentException("imageIdle must not be negative");
        if (dir != null) dir = dir.toAbsolutePath().normalize();
    }
}
