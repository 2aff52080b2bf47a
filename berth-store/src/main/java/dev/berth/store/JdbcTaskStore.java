package dev.berth.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.StatusChange;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TaskStore} over plain JDBC, for PostgreSQL and H2. The pending queue is a table derived from every
 * written status, kept in the same transaction as the status itself.
 *
 * <p>Lock order: a modify locks the task, then touches its entry. On H2 a claim does the same (tasks, then
 * entries). On PostgreSQL the claim's single DELETE locks entries first, so it can deadlock with a modify that
 * moves the same task out of the queue at that moment (a cancel during a claim); PostgreSQL detects that and
 * {@link Jdbc#inTransaction} retries the loser, which is safe because transitions are pure functions.
 */
public final class JdbcTaskStore implements TaskStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcTaskStore.class);
    private static final ObjectReader STATUS_READER = Json.MAPPER.readerFor(TaskStatus.class);
    private static final ObjectReader DEFINITION_READER = Json.MAPPER.readerFor(TaskDefinition.class);

    private static final String SELECT_TASK = "SELECT definition, status FROM tasks WHERE task_id = ?";
    /** What a status change reads: the queue entry needs only the queue and priority columns, not the definition. */
    private static final String SELECT_TASK_FOR_UPDATE =
            "SELECT definition, status, task_queue_id, priority FROM tasks WHERE task_id = ? FOR UPDATE";
    private static final String UPDATE_STATUS = "UPDATE tasks SET state = ?, taken_until = ?, status = ? WHERE task_id = ?";
    private static final String UPDATE_STATUS_RETURNING_HAS_DEPENDENTS = UPDATE_STATUS
            + " RETURNING EXISTS (SELECT 1 FROM dependencies WHERE required_task_id = ?)";
    private static final String DELETE_PENDING = "DELETE FROM pending WHERE task_id = ?";
    private static final String ARTIFACT_COLUMNS =
            "task_id, run_id, name, storage_type, content_type, expires, present, blob_key, details";

    private final Jdbc jdbc;
    private final Dialect dialect;
    private final String instanceId = UUID.randomUUID().toString();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    /** H2 only: its SKIP LOCKED cannot share a queue between claimers, so claims take turns in this process. */
    private final ReentrantLock claimLock = new ReentrantLock(true);
    private final String upsertPendingSql;
    private volatile PgNotifier notifier;

    public JdbcTaskStore(DataSource dataSource, Dialect dialect) {
        this.jdbc = new Jdbc(dataSource);
        this.dialect = dialect;
        // On PostgreSQL the queue insert and its NOTIFY travel as one statement.
        this.upsertPendingSql = dialect == Dialect.POSTGRESQL
                ? "WITH p AS (" + dialect.upsertPending + " RETURNING task_queue_id)"
                        + " SELECT pg_notify('" + PgNotifier.CHANNEL + "', ? || ' ' || p.task_queue_id) FROM p"
                : dialect.upsertPending;
    }

    /** Lets another server's NOTIFY reach this store's listeners; started with the first listener. */
    void attachNotifier(PgNotifier pgNotifier) { this.notifier = pgNotifier; }

    String instanceId() { return instanceId; }

    // ---- tasks

    @Override
    public boolean insertTask(TaskRecord task) {
        TaskDefinition def = task.definition();
        TaskStatus status = task.status();
        if (dialect == Dialect.POSTGRESQL && def.dependencies().isEmpty()) return insertTaskInOneStatement(task);
        Set<String> woken = new LinkedHashSet<>();
        boolean inserted = jdbc.inTransaction("insertTask " + task.taskId(), c -> {
            woken.clear();
            try (PreparedStatement ps = c.prepareStatement(dialect.insertTask)) {
                bindTaskRow(ps, task);
                if (ps.executeUpdate() == 0) return false;
            } catch (SQLException e) {
                if (!Jdbc.uniqueViolation(e)) throw e;
                return false;
            }
            Set<String> required = new LinkedHashSet<>(def.dependencies());
            if (!required.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(dialect.insertDependency)) {
                    for (String requiredId : required) {
                        ps.setString(1, requiredId);
                        ps.setString(2, task.taskId());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            writeQueueEntry(c, task.taskId(), def.taskQueueId(), def.priority().level(), null, status, woken);
            return true;
        });
        fireLocal(woken);
        return inserted;
    }

    /**
     * PostgreSQL, no dependencies (the common case of createTask): task row, queue entry and NOTIFY in one
     * autocommit statement, i.e. one round trip instead of three.
     */
    private boolean insertTaskInOneStatement(TaskRecord task) {
        TaskDefinition def = task.definition();
        TaskStatus status = task.status();
        Integer pendingRun = pendingRunId(status);
        boolean inserted = jdbc.read("insertTask " + task.taskId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT_TASK_ONE_STATEMENT)) {
                bindTaskRow(ps, task);
                if (pendingRun == null) ps.setNull(12, Types.INTEGER);
                else ps.setInt(12, pendingRun);
                ps.setString(13, def.taskQueueId());
                ps.setInt(14, def.priority().level());
                ps.setBoolean(15, pendingRun != null);
                ps.setString(16, instanceId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            }
        });
        if (inserted && pendingRun != null) dispatch(def.taskQueueId());
        return inserted;
    }

    private static final String INSERT_TASK_ONE_STATEMENT =
            "WITH t AS (" + Dialect.POSTGRESQL.insertTask + " RETURNING task_id),"
                    + " p AS (INSERT INTO pending (task_id, run_id, task_queue_id, priority, seq)"
                    + " SELECT task_id, ?, ?, ?, nextval('pending_seq') FROM t WHERE ?"
                    + " ON CONFLICT (task_id) DO NOTHING RETURNING task_queue_id)"
                    + " SELECT (SELECT count(*) FROM t),"
                    + " (SELECT count(pg_notify('" + PgNotifier.CHANNEL + "', ? || ' ' || task_queue_id)) FROM p)";

    private static void bindTaskRow(PreparedStatement ps, TaskRecord task) throws SQLException {
        TaskDefinition def = task.definition();
        TaskStatus status = task.status();
        ps.setString(1, task.taskId());
        ps.setString(2, def.taskQueueId());
        ps.setString(3, def.taskGroupId());
        ps.setString(4, def.schedulerId());
        ps.setInt(5, def.priority().level());
        ps.setString(6, status.state().wire());
        Jdbc.setInstant(ps, 7, takenUntil(status.latestRun().orElse(null)));
        Jdbc.setInstant(ps, 8, def.deadline());
        Jdbc.setInstant(ps, 9, def.expires());
        ps.setString(10, Json.write(def));
        ps.setString(11, Json.write(status));
    }

    @Override
    public Optional<TaskRecord> findTask(String taskId) {
        return jdbc.read("findTask " + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_TASK)) {
                ps.setString(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new TaskRecord(taskId, definition(rs), status(rs)));
                }
            }
        });
    }

    @Override
    public Map<String, TaskState> states(Collection<String> taskIds) {
        if (taskIds.isEmpty()) return Map.of();
        Jdbc.Work<Map<String, TaskState>> read = c -> {
            Map<String, TaskState> states = new HashMap<>();
            // PostgreSQL: FOR SHARE waits for a resolving modify of these tasks (see TaskStore#states), ordered
            // by task_id as claims lock theirs; in a transaction so that a deadlock is retried all the same.
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, state FROM tasks WHERE task_id = ANY(?)"
                    + (dialect == Dialect.POSTGRESQL ? " ORDER BY task_id FOR SHARE" : ""))) {
                ps.setArray(1, idArray(c, taskIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) states.put(rs.getString(1), TaskState.fromWire(rs.getString(2)));
                }
            }
            return states;
        };
        return dialect == Dialect.POSTGRESQL ? jdbc.inTransaction("states", read) : jdbc.read("states", read);
    }

    @Override
    public Optional<StatusChange> modify(String taskId, UnaryOperator<TaskStatus> transition) {
        Set<String> woken = new LinkedHashSet<>();
        Optional<StatusChange> change = jdbc.inTransaction("modify " + taskId, c -> {
            woken.clear();
            TaskRecord before;
            String taskQueueId;
            int priority;
            try (PreparedStatement ps = c.prepareStatement(SELECT_TASK_FOR_UPDATE)) {
                ps.setString(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    before = lazyRecord(taskId, rs);
                    taskQueueId = rs.getString("task_queue_id");
                    priority = rs.getInt("priority");
                }
            }
            TaskStatus next = transition.apply(before.status());
            if (next == before.status() || next.equals(before.status())) {
                return Optional.of(new StatusChange(before, before));
            }
            boolean noDependents = false;
            if (dialect == Dialect.POSTGRESQL && next.state().isResolved() && !before.status().state().isResolved()) {
                // The UPDATE's snapshot is taken after the row lock is held, so it sees every edge committed
                // before; a dependent committing an edge later re-reads states() FOR SHARE and waits for us.
                try (PreparedStatement ps = c.prepareStatement(UPDATE_STATUS_RETURNING_HAS_DEPENDENTS)) {
                    bindStatusUpdate(ps, taskId, next);
                    ps.setString(5, taskId);
                    try (ResultSet rs = ps.executeQuery()) {
                        noDependents = rs.next() && !rs.getBoolean(1);
                    }
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement(UPDATE_STATUS)) {
                    bindStatusUpdate(ps, taskId, next);
                    ps.executeUpdate();
                }
            }
            writeQueueEntry(c, taskId, taskQueueId, priority, pendingRunId(before.status()), next, woken);
            return Optional.of(new StatusChange(before, before.withStatus(next), noDependents));
        });
        fireLocal(woken);
        return change;
    }

    private record Entry(String taskId, int runId, int priority, long seq) {}

    private static final Comparator<Entry> CLAIM_ORDER =
            Comparator.comparingInt(Entry::priority).reversed().thenComparingLong(Entry::seq);

    @Override
    public List<TaskRecord> claimPending(String taskQueueId, int max, UnaryOperator<TaskStatus> transition) {
        if (max < 1) return List.of();
        Set<String> woken = new LinkedHashSet<>();
        if (dialect == Dialect.POSTGRESQL) {
            List<TaskRecord> claimed = jdbc.inTransaction("claimPending " + taskQueueId, c -> {
                woken.clear();
                Map<String, TaskRecord> locked = new HashMap<>();
                List<Entry> entries = takeAndLockSkipLocked(c, taskQueueId, max, locked);
                return applyClaims(c, entries, locked, false, transition, woken);
            });
            fireLocal(woken);
            return claimed;
        }
        claimLock.lock();
        try {
            List<TaskRecord> claimed = jdbc.inTransaction("claimPending " + taskQueueId, c -> {
                woken.clear();
                return applyClaims(c, peekEntries(c, taskQueueId, max), null, true, transition, woken);
            });
            fireLocal(woken);
            return claimed;
        } finally {
            claimLock.unlock();
        }
    }

    /**
     * PostgreSQL, one round trip: takes the batch (concurrent claimers skip each other's entries instead of
     * waiting) and locks and reads the tasks of the entries taken, in task_id order. A task row a concurrent
     * modify holds is waited for and read in its committed latest version, as a separate SELECT FOR UPDATE
     * would. An entry whose task is gone is deleted and not returned (dropped, as before).
     */
    private static List<Entry> takeAndLockSkipLocked(Connection c, String taskQueueId, int max,
                                                     Map<String, TaskRecord> locked) throws SQLException {
        List<Entry> entries = new ArrayList<>(max);
        try (PreparedStatement ps = c.prepareStatement(
                "WITH taken AS (DELETE FROM pending WHERE task_id IN (SELECT task_id FROM pending"
                        + " WHERE task_queue_id = ? ORDER BY priority DESC, seq LIMIT ? FOR UPDATE SKIP LOCKED)"
                        + " RETURNING task_id, run_id, priority, seq)"
                        + " SELECT taken.task_id, taken.run_id, taken.priority, taken.seq, t.definition, t.status"
                        + " FROM taken JOIN tasks t ON t.task_id = taken.task_id"
                        + " ORDER BY taken.task_id FOR UPDATE OF t")) {
            ps.setString(1, taskQueueId);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    entries.add(new Entry(id, rs.getInt(2), rs.getInt(3), rs.getLong(4)));
                    locked.put(id, lazyRecord(id, rs));
                }
            }
        }
        entries.sort(CLAIM_ORDER);
        return entries;
    }

    /**
     * H2: the caller holds {@link #claimLock}, so reading the head of the queue without locks is safe among
     * claimers. The entries are deleted only after their tasks are locked (see {@link #applyClaims}).
     */
    private static List<Entry> peekEntries(Connection c, String taskQueueId, int max) throws SQLException {
        List<Entry> candidates = new ArrayList<>(max);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT task_id, run_id, priority, seq FROM pending WHERE task_queue_id = ?"
                        + " ORDER BY priority DESC, seq LIMIT ?")) {
            ps.setString(1, taskQueueId);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) candidates.add(new Entry(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getLong(4)));
            }
        }
        return candidates;
    }

    /** Deletes the entries still there; one a concurrent modify removed or replaced meanwhile is not taken. */
    private static List<Entry> deleteEntries(Connection c, List<Entry> candidates) throws SQLException {
        int[] deleted;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pending WHERE task_id = ? AND run_id = ?")) {
            for (Entry e : candidates) {
                ps.setString(1, e.taskId());
                ps.setInt(2, e.runId());
                ps.addBatch();
            }
            deleted = ps.executeBatch();
        }
        List<Entry> taken = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            if (deleted[i] > 0) taken.add(candidates.get(i));
        }
        return taken;
    }

    /**
     * Locks the tasks of {@code entries}, applies the claim transition and writes the results. With
     * {@code deleteAfterLock} (H2) the entries are deleted here, after the task locks, which is the order a
     * modify takes them in, so the two cannot deadlock.
     */
    private List<TaskRecord> applyClaims(Connection c, List<Entry> entries, Map<String, TaskRecord> alreadyLocked,
                                         boolean deleteAfterLock, UnaryOperator<TaskStatus> transition,
                                         Set<String> woken) throws SQLException {
        if (entries.isEmpty()) return List.of();
        Map<String, TaskRecord> locked = alreadyLocked;
        if (locked == null) {
            locked = new HashMap<>();
            List<String> ids = entries.stream().map(Entry::taskId).toList();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT task_id, definition, status FROM tasks WHERE task_id = ANY(?) ORDER BY task_id FOR UPDATE")) {
                ps.setArray(1, idArray(c, ids));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        locked.put(id, lazyRecord(id, rs));
                    }
                }
            }
        }
        if (deleteAfterLock) {
            entries = deleteEntries(c, entries);
            if (entries.isEmpty()) return List.of();
        }
        List<TaskRecord> claimed = new ArrayList<>(entries.size());
        List<TaskRecord> unchanged = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement(UPDATE_STATUS)) {
            for (Entry entry : entries) {
                TaskRecord before = locked.get(entry.taskId());
                if (before == null) continue;
                TaskStatus next;
                try {
                    next = transition.apply(before.status());
                } catch (BerthException e) {
                    LOG.debug("dropping queue entry {}/{}: {}", entry.taskId(), entry.runId(), e.getMessage());
                    continue;
                } catch (RuntimeException e) {
                    LOG.warn("dropping queue entry {}/{}: claim transition failed", entry.taskId(), entry.runId(), e);
                    continue;
                }
                if (next == before.status() || next.equals(before.status())) {
                    unchanged.add(before);
                    continue;
                }
                bindStatusUpdate(update, entry.taskId(), next);
                update.addBatch();
                claimed.add(before.withStatus(next));
            }
            if (!claimed.isEmpty()) update.executeBatch();
        }
        // The entries are gone; a status the claim left pending (or made pending anew) needs one again.
        for (TaskRecord r : claimed) {
            if (pendingRunId(r.status()) != null) requeue(c, r, woken);
        }
        for (TaskRecord r : unchanged) requeue(c, r, woken);
        return claimed;
    }

    @Override
    public Page<String> dependents(String requiredTaskId, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("dependents " + requiredTaskId, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT dependent_task_id FROM dependencies"
                    + " WHERE required_task_id = ? AND dependent_task_id > ? ORDER BY dependent_task_id LIMIT ?")) {
                ps.setString(1, requiredTaskId);
                ps.setString(2, after);
                ps.setInt(3, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
            }
            return page(ids, limit, id -> id);
        });
    }

    @Override
    public Page<TaskRecord> taskGroup(String taskGroupId, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("taskGroup " + taskGroupId, c -> {
            List<TaskRecord> tasks = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, definition, status FROM tasks"
                    + " WHERE task_group_id = ? AND task_id > ? ORDER BY task_id LIMIT ?")) {
                ps.setString(1, taskGroupId);
                ps.setString(2, after);
                ps.setInt(3, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) tasks.add(new TaskRecord(rs.getString(1), definition(rs), status(rs)));
                }
            }
            return page(tasks, limit, TaskRecord::taskId);
        });
    }

    @Override
    public long countPending(String taskQueueId) {
        return count("countPending", "SELECT COUNT(*) FROM pending WHERE task_queue_id = ?", taskQueueId);
    }

    @Override
    public long countRunning(String taskQueueId) {
        return count("countRunning", "SELECT COUNT(*) FROM tasks WHERE task_queue_id = ? AND state = 'running'",
                taskQueueId);
    }

    @Override
    public List<String> expiredClaims(Instant now, int limit) {
        return ids("expiredClaims", "SELECT task_id FROM tasks WHERE taken_until < ? ORDER BY taken_until LIMIT ?",
                now, limit);
    }

    @Override
    public List<String> pastDeadline(Instant now, int limit) {
        return ids("pastDeadline", "SELECT task_id FROM tasks WHERE deadline < ?"
                + " AND state IN ('unscheduled', 'pending', 'running') ORDER BY deadline LIMIT ?", now, limit);
    }

    @Override
    public List<String> expiredTasks(Instant now, int limit) {
        return ids("expiredTasks", "SELECT task_id FROM tasks WHERE expires < ? ORDER BY expires LIMIT ?", now, limit);
    }

    @Override
    public void deleteTask(String taskId) {
        jdbc.inTransaction("deleteTask " + taskId, c -> {
            for (String sql : List.of(DELETE_PENDING,
                    "DELETE FROM dependencies WHERE dependent_task_id = ?",
                    "DELETE FROM artifacts WHERE task_id = ?",
                    "DELETE FROM tasks WHERE task_id = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, taskId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public void onPending(Consumer<String> listener) {
        listeners.add(listener);
        PgNotifier n = notifier;
        if (n != null) n.start();
    }

    /** Tells every listener about a queue that got work; a failing listener does not stop the others. */
    void dispatch(String taskQueueId) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(taskQueueId);
            } catch (RuntimeException e) {
                LOG.warn("pending listener failed for queue {}", taskQueueId, e);
            }
        }
    }

    private void fireLocal(Set<String> woken) {
        for (String queue : woken) dispatch(queue);
    }

    // ---- artifacts

    @Override
    public ArtifactRecord putArtifact(ArtifactRecord artifact, Predicate<ArtifactRecord> replaceIf) {
        return jdbc.inTransaction("putArtifact " + artifact.taskId() + "/" + artifact.runId() + "/" + artifact.name(),
                c -> {
                    Optional<ArtifactRecord> existing = findArtifact(c, artifact.taskId(), artifact.runId(),
                            artifact.name(), true);
                    if (existing.isEmpty()) {
                        // A concurrent insert of the same name makes this fail with 23505; the retry then sees it.
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO artifacts (" + ARTIFACT_COLUMNS
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                            bindArtifact(ps, artifact);
                            ps.executeUpdate();
                        } catch (SQLException e) {
                            if (Jdbc.uniqueViolation(e)) throw new java.sql.SQLTransactionRollbackException(
                                    "artifact inserted concurrently", "40001", e);
                            throw e;
                        }
                        return artifact;
                    }
                    if (!replaceIf.test(existing.get())) return existing.get();
                    try (PreparedStatement ps = c.prepareStatement("UPDATE artifacts SET storage_type = ?,"
                            + " content_type = ?, expires = ?, present = ?, blob_key = ?, details = ?"
                            + " WHERE task_id = ? AND run_id = ? AND name = ?")) {
                        ps.setString(1, artifact.storageType());
                        ps.setString(2, artifact.contentType());
                        Jdbc.setInstant(ps, 3, artifact.expires());
                        ps.setBoolean(4, artifact.present());
                        ps.setString(5, artifact.blobKey());
                        ps.setString(6, artifact.details() == null ? null : Json.write(artifact.details()));
                        ps.setString(7, artifact.taskId());
                        ps.setInt(8, artifact.runId());
                        ps.setString(9, artifact.name());
                        ps.executeUpdate();
                    }
                    return artifact;
                });
    }

    @Override
    public Optional<ArtifactRecord> findArtifact(String taskId, int runId, String name) {
        return jdbc.read("findArtifact", c -> findArtifact(c, taskId, runId, name, false));
    }

    private static Optional<ArtifactRecord> findArtifact(Connection c, String taskId, int runId, String name,
                                                         boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ARTIFACT_COLUMNS + " FROM artifacts"
                + " WHERE task_id = ? AND run_id = ? AND name = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, taskId);
            ps.setInt(2, runId);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(artifact(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Page<ArtifactRecord> artifacts(String taskId, int runId, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("artifacts " + taskId + "/" + runId, c -> {
            List<ArtifactRecord> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ARTIFACT_COLUMNS + " FROM artifacts"
                    + " WHERE task_id = ? AND run_id = ? AND name > ? ORDER BY name LIMIT ?")) {
                ps.setString(1, taskId);
                ps.setInt(2, runId);
                ps.setString(3, after);
                ps.setInt(4, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) list.add(artifact(rs));
                }
            }
            return page(list, limit, ArtifactRecord::name);
        });
    }

    @Override
    public List<ArtifactRecord> expiredArtifacts(Instant now, int limit) {
        Jdbc.requireLimit(limit);
        return jdbc.read("expiredArtifacts", c -> {
            List<ArtifactRecord> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ARTIFACT_COLUMNS + " FROM artifacts"
                    + " WHERE expires < ? ORDER BY expires LIMIT ?")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) list.add(artifact(rs));
                }
            }
            return list;
        });
    }

    @Override
    public void deleteArtifact(String taskId, int runId, String name) {
        jdbc.inTransaction("deleteArtifact", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM artifacts WHERE task_id = ? AND run_id = ? AND name = ?")) {
                ps.setString(1, taskId);
                ps.setInt(2, runId);
                ps.setString(3, name);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void close() {
        PgNotifier n = notifier;
        if (n != null) n.close();
    }

    // ---- helpers

    /**
     * Makes the queue agree with {@code after}: an entry for its latest run when that run is pending, none
     * otherwise. {@code entryRunId} is the run whose entry exists now (null for none), so the common
     * transitions (running to resolved, say) cost no statement here.
     */
    private void writeQueueEntry(Connection c, String taskId, String taskQueueId, int priority, Integer entryRunId,
                                 TaskStatus after, Set<String> woken) throws SQLException {
        Integer wanted = pendingRunId(after);
        if (wanted != null && !wanted.equals(entryRunId)) {
            try (PreparedStatement ps = c.prepareStatement(upsertPendingSql)) {
                ps.setString(1, taskId);
                ps.setInt(2, wanted);
                ps.setString(3, taskQueueId);
                ps.setInt(4, priority);
                if (dialect == Dialect.POSTGRESQL) {
                    ps.setString(5, instanceId);
                    ps.executeQuery().close();
                } else {
                    ps.executeUpdate();
                }
            }
            woken.add(taskQueueId);
        } else if (wanted == null && entryRunId != null) {
            try (PreparedStatement ps = c.prepareStatement(DELETE_PENDING)) {
                ps.setString(1, taskId);
                ps.executeUpdate();
            }
        }
    }

    private void requeue(Connection c, TaskRecord r, Set<String> woken) throws SQLException {
        TaskDefinition def = r.definition();
        writeQueueEntry(c, r.taskId(), def.taskQueueId(), def.priority().level(), null, r.status(), woken);
    }

    private static Integer pendingRunId(TaskStatus s) {
        Run latest = s.latestRun().orElse(null);
        return latest != null && latest.state() == TaskState.PENDING ? latest.runId() : null;
    }

    private static Instant takenUntil(Run latest) {
        return latest != null && latest.state() == TaskState.RUNNING ? latest.takenUntil() : null;
    }

    private static void bindStatusUpdate(PreparedStatement ps, String taskId, TaskStatus s) throws SQLException {
        ps.setString(1, s.state().wire());
        Jdbc.setInstant(ps, 2, takenUntil(s.latestRun().orElse(null)));
        ps.setString(3, Json.write(s));
        ps.setString(4, taskId);
    }

    private static void bindArtifact(PreparedStatement ps, ArtifactRecord a) throws SQLException {
        ps.setString(1, a.taskId());
        ps.setInt(2, a.runId());
        ps.setString(3, a.name());
        ps.setString(4, a.storageType());
        ps.setString(5, a.contentType());
        Jdbc.setInstant(ps, 6, a.expires());
        ps.setBoolean(7, a.present());
        ps.setString(8, a.blobKey());
        if (a.details() == null) ps.setNull(9, Types.VARCHAR);
        else ps.setString(9, Json.write(a.details()));
    }

    private static ArtifactRecord artifact(ResultSet rs) throws SQLException {
        String details = rs.getString("details");
        JsonNode node = details == null ? null : Json.tree(details);
        return new ArtifactRecord(rs.getString("task_id"), rs.getInt("run_id"), rs.getString("name"),
                rs.getString("storage_type"), rs.getString("content_type"), Jdbc.getInstant(rs, "expires"),
                rs.getBoolean("present"), rs.getString("blob_key"), node);
    }

    private static TaskDefinition definition(ResultSet rs) throws SQLException {
        return parse(DEFINITION_READER, rs.getString("definition"));
    }

    /** The row's status, decoded now, and its definition, decoded only if someone asks for it. */
    private static TaskRecord lazyRecord(String taskId, ResultSet rs) throws SQLException {
        String definitionJson = rs.getString("definition");
        return TaskRecord.lazy(taskId, () -> parse(DEFINITION_READER, definitionJson), status(rs));
    }

    private static TaskStatus status(ResultSet rs) throws SQLException {
        return parse(STATUS_READER, rs.getString("status"));
    }

    private static <T> T parse(ObjectReader reader, String json) {
        try {
            return reader.readValue(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored JSON does not parse: " + e.getOriginalMessage(), e);
        }
    }

    private static Array idArray(Connection c, Collection<String> ids) throws SQLException {
        return c.createArrayOf("varchar", ids.toArray(String[]::new));
    }

    /** {@code rows} holds up to limit + 1 items; the extra one only says that another page follows. */
    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<T> items = rows.subList(0, limit);
        return new Page<>(items, Jdbc.token(key.apply(items.get(limit - 1))));
    }

    private long count(String operation, String sql, String taskQueueId) {
        return jdbc.read(operation + " " + taskQueueId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, taskQueueId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private List<String> ids(String operation, String sql, Instant now, int limit) {
        Jdbc.requireLimit(limit);
        return jdbc.read(operation, c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Jdbc.setInstant(ps, 1, now);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
            }
            return ids;
        });
    }
}
