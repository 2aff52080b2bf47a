package dev.berth.core.workers;

import dev.berth.core.store.Page;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Storage of task queues, provisioners and workers as the queue sees and declares them. Every method is atomic.
 * Expiry times never move backward: a write names the earliest expiry it wants and the row keeps the later one.
 * Listings are in key order (task queue id, provisioner id, worker group then worker id) and paged by
 * continuation tokens the store makes.
 */
public interface WorkerStore extends AutoCloseable {

    /**
     * Creates the task queue (description {@code ""} and stability {@link Stability#DEFAULT} unless given,
     * lastDateActive {@code now}) or updates it: a non-null description or stability replaces the stored one,
     * expires becomes the later of the two, and lastDateActive becomes {@code now} when {@code active}. Its
     * provisioner is created or updated the same way (expiry raised to {@code expires}, lastDateActive bumped
     * when {@code active}), its declared fields left as they are.
     */
    TaskQueueRecord upsertTaskQueue(String taskQueueId, String description, String stability, Instant expires,
                                    Instant now, boolean active);

    /**
     * Creates or updates a provisioner as declared: non-null fields replace the stored ones, expires (when
     * non-null) is raised, lastDateActive becomes {@code now}. A new one without expires gets {@code defaultExpires}.
     */
    ProvisionerRecord upsertProvisioner(String provisionerId, String description, String stability, List<Action> actions,
                                        Instant expires, Instant defaultExpires, Instant now);

    /**
     * Records that a worker was seen at {@code now}: creates it (firstClaim and lastDateActive {@code now}, not
     * quarantined, no recent tasks) or raises its expiry and sets lastDateActive.
     *
     * @return the worker as stored after the call
     */
    WorkerRecord workerSeen(String taskQueueId, String workerGroup, String workerId, Instant expires, Instant now);

    /**
     * Sets the worker's quarantineUntil, appends {@code detail} to its quarantine details and raises its expiry
     * to at least {@code minExpires}, so that a worker let out of quarantine does not vanish at once.
     *
     * @return the worker after the call; empty when there is no such worker
     */
    Optional<WorkerRecord> quarantineWorker(String taskQueueId, String workerGroup, String workerId, Instant until,
                                            QuarantineDetail detail, Instant minExpires);

    /** Appends runs to the worker's recent tasks, keeping the last {@link WorkerRecord#RECENT_TASKS}; nothing when it does not exist. */
    void addRecentTasks(String taskQueueId, String workerGroup, String workerId, List<TaskRun> runs);

    Optional<TaskQueueRecord> findTaskQueue(String taskQueueId);

    /** Task queues not expired at {@code now}, of one provisioner when {@code provisionerId} is non-null. */
    Page<TaskQueueRecord> taskQueues(String provisionerId, Instant now, String continuationToken, int limit);

    Optional<ProvisionerRecord> findProvisioner(String provisionerId);

    /** Provisioners not expired at {@code now}. */
    Page<ProvisionerRecord> provisioners(Instant now, String continuationToken, int limit);

    Optional<WorkerRecord> findWorker(String taskQueueId, String workerGroup, String workerId);

    /**
     * Workers of a task queue alive at {@code now} (see {@link WorkerRecord#aliveAt}); only quarantined ones
     * (quarantineUntil after {@code now}) when {@code quarantined} is true, only others when false, all when null.
     */
    Page<WorkerRecord> workers(String taskQueueId, Boolean quarantined, Instant now, String continuationToken, int limit);

    /**
     * Deletes task queues and provisioners whose expires is before {@code now}, and workers whose expires and
     * quarantineUntil are both before it.
     *
     * @return how many rows were deleted
     */
    int deleteExpired(Instant now);

    @Override
    void close();
}
