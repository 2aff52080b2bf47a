package dev.berth.core.pools;

import dev.berth.core.store.Page;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where worker pools, their workers and their errors are kept. Listings are ordered by key and paged with the
 * stores' opaque continuation tokens. Both the API and the provisioner use it.
 */
public interface WorkerPoolStore {

    /** Stores a new pool; false (and nothing written) when one with that id exists. */
    boolean createPool(WorkerPool pool);

    /** Replaces the pool's definition (provider, description, config, owner, emailOnError, lastModified); false when there is none. */
    boolean updatePool(WorkerPool pool);

    Optional<WorkerPool> pool(String workerPoolId);

    /** Pools by id. */
    Page<WorkerPool> pools(String continuationToken, int limit);

    /**
     * Deletes the pool with its workers and errors, in one step, only if it is marked for deletion
     * ({@code null-provider}) and none of its workers is live (every one stopped); true when it went. Several
     * servers may try at once, and a pool brought back with an update in the meantime stays.
     */
    boolean removeIfDrained(String workerPoolId);

    /** Stores a new worker; false when the pool already has one with that group and id. */
    boolean createWorker(PoolWorker worker);

    /**
     * Stores a new worker only if the capacity of the pool's live workers (every state but stopped) plus its own
     * stays within {@code maxCapacity}; false when it would not, when the worker exists, or when the pool is missing
     * or marked for deletion. The check and the insert
     * hold the pool's row, so provisioners on several servers never start more than {@code maxCapacity} between them.
     */
    boolean createWorkerWithin(PoolWorker worker, int maxCapacity);

    /** Replaces a worker's state, capacity, expires, lastModified, lastChecked and providerData; false when there is none. */
    boolean updateWorker(PoolWorker worker);

    Optional<PoolWorker> worker(String workerPoolId, String workerGroup, String workerId);

    /** A pool's workers by group then id; {@code workerGroup} and {@code state} narrow it when not null. */
    Page<PoolWorker> workers(String workerPoolId, String workerGroup, WorkerState state, String continuationToken, int limit);

    /** Counts by state for one pool (zeros when it has no workers). */
    PoolCounts counts(String workerPoolId);

    /** Deletes stopped workers whose {@code expires} is at or before {@code now}; returns how many. */
    int expireWorkers(Instant now);

    void addError(WorkerPoolError error);

    /** A pool's errors, newest first; {@code errorId} picks one when not null. */
    Page<WorkerPoolError> errors(String workerPoolId, String errorId, String continuationToken, int limit);

    /** Errors reported at or after {@code since}, of one pool or of every pool ({@code workerPoolId} null). */
    List<WorkerPoolError> errorsSince(String workerPoolId, Instant since);

    /** Deletes errors reported before {@code before}; returns how many. */
    int expireErrors(Instant before);
}
