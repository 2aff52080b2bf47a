package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import dev.berth.core.store.TaskRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What one database does its own way for {@link JdbcTaskStore}: the claim, the queue upsert and a few
 * statements whose syntax or locking differs. One class per database, chosen once when the store is built
 * ({@link Dialect#customization()}); everything else in the store is SQL both databases accept.
 */
sealed interface DatabaseCustomization permits PostgreSqlCustomization, H2Customization {

    /** The URL to connect with: the configured one plus any options this database needs. */
    default String connectionUrl(String configuredUrl) { return configuredUrl; }

    /** Pool size and driver options; {@code user} is the configured one (null when the URL carries it). */
    void configurePool(HikariConfig config, String user);

    /**
     * What lets another server's queue writes wake this store's listeners (PostgreSQL's LISTEN), or null
     * where one process owns the database.
     */
    default PgNotifier notifier(String url, String user, String password, JdbcTaskStore store) { return null; }

    /** Inserts a task row (binds as {@code TaskRows.bindTaskRow}); an existing id yields 0 rows or a unique violation. */
    String insertTaskSql();

    /** Inserts a dependency edge, doing nothing when it exists. */
    String insertDependencySql();

    /**
     * Inserts a task without dependencies, its queue entry and the wake-up of other servers in one go, or
     * returns empty when this database takes the general path (task, edges and entry in one transaction).
     * A present result says whether the task was inserted.
     */
    default Optional<Boolean> insertWithoutDependencies(Connection c, TaskRecord task, String instanceId) throws SQLException {
        return Optional.empty();
    }

    /** What {@link #insertJoiningGroup} did. */
    enum JoinOutcome {
        /** The task, its queue entry and wake-up went in. */
        INSERTED,
        /** A task with this id exists already; nothing was written. */
        EXISTS,
        /** The group is sealed or names another scheduler id; nothing was written. */
        REFUSED,
        /** The group's row is missing or must move its expiry: the caller takes the general path. */
        NEEDS_GROUP_WRITE
    }

    /** The answer of {@link #insertJoiningGroup}: the outcome and, when refused, the group that refused. */
    record JoinedInsert(JoinOutcome outcome, dev.berth.core.store.TaskGroupRecord group) {}

    /**
     * Inserts a task without dependencies into an existing open group of its scheduler id that expires no
     * earlier than the task, with its queue entry and the wake-up of other servers, in one autocommit
     * statement that holds the group's row (shared) while the task goes in, as the general path does; null
     * where this database takes the general path.
     */
    default JoinedInsert insertJoiningGroup(Connection c, TaskRecord task, String instanceId) throws SQLException {
        return null;
    }

    /**
     * How insertTask locks its group's row: exclusively by default; a database with shared row locks lets the
     * tasks of one group go in side by side while a seal (an UPDATE) still waits for every one of them.
     */
    default String groupJoinLock() { return " FOR UPDATE"; }

    /** The suffix of the states() SELECT and whether it needs a transaction (locking reads do). */
    default String statesLocking() { return ""; }

    /**
     * The status UPDATE of a resolving task that also answers one row, one boolean: whether anybody depends
     * on the task (binds as {@code TaskRows.bindStatusUpdate}, then the task id as parameter 5); null where
     * the database cannot say so in the same statement, and the caller assumes it may have dependents.
     */
    default String updateStatusTellingDependents() { return null; }

    /**
     * {@code TaskRows.CAS_STATUS} that also answers, for the row it wrote, whether anybody depends on the task,
     * read after the row was locked and written though it runs as one autocommit statement; null where the
     * database cannot, and the caller assumes the task may have dependents.
     */
    default String casStatusTellingDependents() { return null; }

    /** Writes the statuses of tasks whose rows this transaction holds locked (a claim's batch). */
    default void updateStatuses(Connection c, List<TaskRecord> tasks) throws SQLException {
        try (java.sql.PreparedStatement update = c.prepareStatement(TaskRows.UPDATE_STATUS)) {
            for (TaskRecord t : tasks) {
                TaskRows.bindStatusUpdate(update, t.taskId(), t.status());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** Creates or replaces the task's queue entry for {@code runId}, and wakes other servers where it can. */
    void upsertPending(Connection c, String taskId, int runId, String taskQueueId, int priority, String instanceId)
            throws SQLException;

    /** Runs one claim attempt, serialised with other claimers where the database cannot share a queue. */
    default <T> T serialiseClaims(Supplier<T> claim) { return claim.get(); }

    /**
     * Takes up to {@code max} entries of the queue head in claim order. A database that also locks and
     * reads their tasks in the same statement puts them into {@code lockedTasks} and deletes the entries;
     * otherwise {@code lockedTasks} stays empty and the entries stay until the caller has locked the tasks.
     */
    List<QueueEntry> takeEntries(Connection c, String taskQueueId, int max, Map<String, TaskRecord> lockedTasks)
            throws SQLException;

    /** Whether {@link #takeEntries} already deleted the entries it returned. */
    boolean takeDeletesEntries();
}
