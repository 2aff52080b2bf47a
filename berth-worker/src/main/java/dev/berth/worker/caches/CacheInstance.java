package dev.berth.worker.caches;

import java.time.Instant;
import java.util.Objects;

/**
 * One instance of a cache on this worker: a named volume holding what tasks left in it.
 *
 * @param volumeName the engine's volume name
 * @param cacheName the payload's cache name
 * @param created when the instance was made (a purge request removes instances made before its time)
 * @param lastUsed when a task last gave it back (the most recently used free instance is handed out first)
 */
public record CacheInstance(String volumeName, String cacheName, Instant created, Instant lastUsed) {
    public CacheInstance {
        Objects.requireNonNull(volumeName, "volumeName");
        Objects.requireNonNull(cacheName, "cacheName");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastUsed, "lastUsed");
    }

    CacheInstance usedAt(Instant when) {
        return new CacheInstance(volumeName, cacheName, created, when);
    }
}
