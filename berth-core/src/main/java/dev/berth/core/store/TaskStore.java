package dev.berth.core.store;

import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Storage of tasks, their pending-work queue, dependency edges and artifacts. Adapters keep the
 * queue of pending runs as an index derived from each written status: whenever a written status's
 * latest run is pending, that (taskId, runId) is claimable on the task's queue, ordered by priority
 * (highest first) then insertion; otherwise the task has no queue entry.
 *
 * <p>Every method is atomic. Domain exceptions thrown by a transition function propagate unchanged
 * and leave nothing written.
 */
public interface TaskStore extends AutoCloseable {

    /** A group's stored expiry runs this much past its latest task's, so that most tasks need not move it. */
    java.time.Duration GROUP_EXPIRY_MARGIN = java.time.Duration.ofHours(1);

    /**
     * Inserts a task with its dependency edges (one per {@code definition.dependencies()}) and, when its
     * status is pending, its queue entry; and in the same transaction joins its task group: creates the group's
     * row (the task's scheduler id; expiry the task's plus {@link #GROUP_EXPIRY_MARGIN}) or, when the task
     * expires after the group, moves the group's expiry to the task's plus that margin. The group's row is locked
     * while the task goes in, so a concurrent {@link #sealTaskGroup} either comes first (and the task is refused)
     * or waits for the task (and whatever follows the seal, a cancelTaskGroup, sees it).
     *
     * @return false, writing nothing, when a task with this id exists already
     * @throws TaskGroupRefusedException writing nothing, when the group is sealed or has another scheduler id
     *     (also for a task that exists already: the group may be looked at first)
     */
    boolean insertTask(TaskRecord task);

    Optional<TaskRecord> findTask(String taskId);

    /**
     * Current states of the given tasks; ids not stored are absent from the map. A store whose {@link #modify}
     * may report {@link StatusChange#noDependents()} must make this a locking read: it waits for a concurrent
     * modify of any of these tasks to commit and returns the state that modify wrote. Together, a dependent's
     * check after its edges were committed and a resolution's look at the edges cannot both miss each other.
     */
    Map<String, TaskState> states(Collection<String> taskIds);

    /**
     * Reads the task, applies {@code transition} to its status and writes the result (with the queue index
     * updated) unless the function returned the same status, atomically: the result is written only over the
     * status the function was given (under a row lock, or as a compare-and-set that reads again and calls the
     * function again when it lost a race), so {@code transition} must be pure and may run more than once.
     *
     * <p>When the change resolves the task, the store may set {@link StatusChange#noDependents()}, and then only
     * from a read of the dependency edges made in the same transaction after the task's row was locked and
     * written, with a snapshot taken after that (so that an edge committed before that read is seen, and a dependent checking {@link #states}
     * after it waits for this commit). Otherwise it leaves it false.
     *
     * @return empty when the task does not exist
     */
    Optional<StatusChange> modify(String taskId, UnaryOperator<TaskStatus> transition);

    /**
     * Takes up to {@code max} pending entries of {@code taskQueueId}, highest priority first, each by one
     * caller only even under concurrency, applies {@code transition} (pending → running) to each task and
     * writes it. Entries whose transition throws are dropped from the queue and skipped.
     */
    List<TaskRecord> claimPending(String taskQueueId, int max, UnaryOperator<TaskStatus> transition);

    /** Tasks that depend on {@code requiredTaskId}, in task id order. */
    Page<String> dependents(String requiredTaskId, String continuationToken, int limit);

    /** Tasks of a group, in task id order. */
    Page<TaskRecord> taskGroup(String taskGroupId, String continuationToken, int limit);

    // ---- the index outbox

    /**
     * Ids of completed tasks waiting to be indexed, oldest first. {@link #modify} adds a task in the transaction
     * that completes it when its definition has an index route ({@link dev.berth.core.index.RouteIndexer#hasIndexRoutes}).
     */
    List<String> indexOutbox(int limit);

    /** Takes a task out of the index outbox once its entries are written. */
    void removeFromIndexOutbox(String taskId);

    // ---- task groups


    Optional<TaskGroupRecord> findTaskGroup(String taskGroupId);

    /**
     * Seals the group at {@code now} unless it is sealed already (sealing again keeps the first time).
     *
     * @return the group after the call; empty when it does not exist
     */
    Optional<TaskGroupRecord> sealTaskGroup(String taskGroupId, Instant now);

    /**
     * Deletes the groups whose expires is before {@code now} (their tasks expired by then too, as a group's
     * expires is the latest of its tasks').
     *
     * @return how many were deleted
     */
    int deleteExpiredTaskGroups(Instant now);

    /** Number of pending runs on the queue. */
    long countPending(String taskQueueId);

    /** Number of running runs of tasks on the queue. */
    long countRunning(String taskQueueId);

    /**
     * Tasks whose latest run is pending on the queue, in the order claims take them (highest priority first, then
     * first in); the continuation token names the last entry's place in that order.
     */
    Page<TaskRecord> pendingTasks(String taskQueueId, String continuationToken, int limit);

    /** Tasks of the queue whose latest run is running, in task id order. */
    Page<TaskRecord> claimedTasks(String taskQueueId, String continuationToken, int limit);

    /** Ids of tasks whose latest run is running with takenUntil before {@code now}. */
    List<String> expiredClaims(Instant now, int limit);

    /** Ids of unresolved tasks (unscheduled, pending, running) whose deadline is before {@code now}. */
    List<String> pastDeadline(Instant now, int limit);

    /** Ids of tasks whose expires is before {@code now}. */
    List<String> expiredTasks(Instant now, int limit);

    /** Deletes a task, its queue entry, its dependency edges as dependent, and its artifact records. */
    void deleteTask(String taskId);

    /**
     * Registers a listener told the task queue id whenever a pending entry is added, by this process or,
     * where the database can tell (PostgreSQL NOTIFY), by any other server on the same database.
     */
    void onPending(Consumer<String> listener);

    // ---- artifacts

    /**
     * Inserts an artifact record; when one exists for (taskId, runId, name) it is replaced only if
     * {@code replaceIf} accepts the existing one.
     *
     * @return the record stored after the call
     */
    ArtifactRecord putArtifact(ArtifactRecord artifact, java.util.function.Predicate<ArtifactRecord> replaceIf);

    Optional<ArtifactRecord> findArtifact(String taskId, int runId, String name);

    /** Artifacts of one run, in name order. */
    Page<ArtifactRecord> artifacts(String taskId, int runId, String continuationToken, int limit);

    /** Artifacts whose expires is before {@code now}. */
    List<ArtifactRecord> expiredArtifacts(Instant now, int limit);

    void deleteArtifact(String taskId, int runId, String name);

    @Override
    void close();
}
