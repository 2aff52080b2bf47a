package dev.berth.core.purgecache;

import dev.berth.core.store.Page;
import java.time.Instant;
import java.util.List;

/** Where purge requests are kept: one per (worker pool, cache name). */
public interface PurgeRequestStore {

    /** Stores {@code request}, replacing the one for the same pool and cache name. */
    void put(PurgeRequest request);

    /** The requests for {@code workerPoolId} that have not expired at {@code now}, by cache name. */
    List<PurgeRequest> forPool(String workerPoolId, Instant now);

    /** Every request not expired at {@code now}, by pool then cache name, {@code limit} at a time. */
    Page<PurgeRequest> all(Instant now, String continuationToken, int limit);

    /** Deletes the requests expired at {@code now}; returns how many. */
    int expire(Instant now);
}
