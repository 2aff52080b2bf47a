package dev.berth.core.purgecache;

import java.util.Objects;

import java.time.Instant;

/**
 * A request that every worker of {@code workerPoolId} delete its instances of cache {@code cacheName}
 * created before {@code before}. Kept until {@code expires} (a day, as Taskcluster keeps them): a worker
 * that has been away longer starts over with fresh caches anyway.
 */
public record PurgeRequest(String workerPoolId, String cacheName, Instant before, Instant expires) {

    public PurgeRequest {
        Objects.requireNonNull(workerPoolId, "workerPoolId");
        Objects.requireNonNull(cacheName, "cacheName");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(expires, "expires");
    }

    /** Taskcluster's answers split the pool id into provisionerId and workerType. */
    public String provisionerId() { return workerPoolId.substring(0, workerPoolId.indexOf('/')); }

    public String workerType() { return workerPoolId.substring(workerPoolId.indexOf('/') + 1); }
}
