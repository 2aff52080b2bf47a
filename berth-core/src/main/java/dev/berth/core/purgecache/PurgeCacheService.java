package dev.berth.core.purgecache;

import dev.berth.core.BerthException;
import dev.berth.core.store.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Taskcluster's purge-cache service: people ask that a cache be purged on every worker of a pool;
 * workers ask which of their caches to purge. A request's {@code before} is the moment it was (last)
 * made: instances created earlier are stale.
 */
public final class PurgeCacheService {

    /** How long a request is kept (Taskcluster's: a day). */
    public static final Duration KEEP = Duration.ofDays(1);

    private final PurgeRequestStore store;
    private final Clock clock;

    public PurgeCacheService(PurgeRequestStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records (or renews) a purge of {@code cacheName} on the workers of {@code workerPoolId}. */
    public PurgeRequest purge(String workerPoolId, String cacheName) {
        if (cacheName == null || cacheName.isEmpty() || cacheName.length() > 256) {
            throw BerthException.input("cacheName must be 1 to 256 characters");
        }
        for (int i = 0; i < cacheName.length(); i++) {
            if (Character.isISOControl(cacheName.charAt(i))) throw BerthException.input("cacheName must not contain control characters");
        }
        Instant now = clock.instant();
        PurgeRequest request = new PurgeRequest(workerPoolId, cacheName, now, now.plus(KEEP));
        store.put(request);
        return request;
    }

    /** The open requests for a pool whose {@code before} is at or after {@code since} (null: all of them). */
    public List<PurgeRequest> requests(String workerPoolId, Instant since) {
        return store.forPool(workerPoolId, clock.instant()).stream()
                .filter(r -> since == null || !r.before().isBefore(since))
                .toList();
    }

    public Page<PurgeRequest> all(String continuationToken, int limit) {
        return store.all(clock.instant(), continuationToken, limit);
    }

    /** Drops expired requests (a sweep, safe on every replica). */
    public int expire() {
        return store.expire(clock.instant());
    }
}
