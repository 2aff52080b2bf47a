package dev.berth.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.BerthException;
import dev.berth.core.index.RouteIndexer;
import dev.berth.core.json.Json;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.StatusChange;
import dev.berth.core.store.TaskGroupRecord;
import dev.berth.core.store.TaskGroupRefusedException;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Objects;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TaskStore} over plain JDBC, for PostgreSQL and H2. The pending queue is a table derived from every
 * written status, kept in the same transaction as the status itself. What one database does its own way
 * (the claim above all) is in its {@link DatabaseCustomization}, chosen once here.
 *
 * <p>Lock order: a modify locks the task, then touches its entry; see each customization for its claim.
 */
public final class JdbcTaskStore implements TaskStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcTaskStore.class);

    private static final String SELECT_TASK = "SELECT definition, status FROM tasks WHERE task_id = ?";
    /** What a status change reads: the queue entry needs only the queue and priority columns, not the definition. */
    private static final String SELECT_TASK_FOR_UPDATE =
            "SELECT definition, status, task_queue_id, priority FROM tasks WHERE task_id = ? FOR UPDATE";
    private static final String UPDATE_STATUS = TaskRows.UPDATE_STATUS;
    private static final String CAS_STATUS = TaskRows.CAS_STATUS;
    private static final String DELETE_PENDING = "DELETE FROM pending WHERE task_id = ?";
    private static final String ARTIFACT_COLUMNS =
            "task_id, run_id, name, storage_type, content_type, expires, present, blob_key, details";

    private final Jdbc jdbc;
    private final DatabaseCustomization db;
    private final String instanceId = UUID.randomUUID().toString();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile PgNotifier notifier;

    public JdbcTaskStore(DataSource dataSource, Dialect dialect) {
        this(dataSource, dialect.customization());
    }

    JdbcTaskStore(DataSource dataSource, DatabaseCustomization db) {
        this.jdbc = new Jdbc(dataSource);
        this.db = db;
    }

    /** Lets another server's NOTIFY reach this store's listeners; started with the first listener. */
    void attachNotifier(PgNotifier pgNotifier) { this.notifier = pgNotifier; }

    String instanceId() { return instanceId; }

    // ---- tasks

    @Override
    public boolean insertTask(TaskRecord task) {
        TaskDefinition def = task.definition();
        TaskStatus status = task.status();
        if (def.dependencies().isEmpty()) {
            // the common case, an open group that needs no write, in one statement without a transaction
            DatabaseCustomization.JoinedInsert one = jdbc.autocommit("insertTask " + task.taskId(),
                    c -> db.insertJoiningGroup(c, task, instanceId));
            if (one != null) {
                switch (one.outcome()) {
                    case INSERTED -> {
                        if (TaskRows.pendingRunId(status) != null) dispatch(def.taskQueueId());
                        return true;
                    }
                    case EXISTS -> { return false; }
                    case REFUSED -> throw new TaskGroupRefusedException(one.group());
                    case NEEDS_GROUP_WRITE -> { } // the general path below creates or moves the group's row
                }
            }
        }
        Set<String> woken = new LinkedHashSet<>();
        boolean inserted = retryingGroupRace(def.taskGroupId(), exclusive -> jdbc.inTransaction("insertTask " + task.taskId(), c -> {
            woken.clear();
            // first, so that a seal waits for this task or is seen by it, never neither
            joinGroup(c, def, exclusive);
            if (def.dependencies().isEmpty()) {
                Optional<Boolean> oneGo = db.insertWithoutDependencies(c, task, instanceId);
                if (oneGo.isPresent()) {
                    // an existing task: roll the group's part back too
                    if (!oneGo.get()) throw new TaskExists();
                    if (TaskRows.pendingRunId(status) != null) woken.add(def.taskQueueId());
                    return true;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(db.insertTaskSql())) {
                TaskRows.bindTaskRow(ps, task);
                if (ps.executeUpdate() == 0) throw new TaskExists();
            } catch (SQLException e) {
                if (!Jdbc.uniqueViolation(e)) throw e;
                throw new TaskExists();
            }
            Set<String> required = new LinkedHashSet<>(def.dependencies());
            if (!required.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(db.insertDependencySql())) {
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
        }));
        fireLocal(woken);
        return inserted;
    }

    /** The task row exists already: the insert's transaction (its group's part too) is rolled back, and it answers false. */
    private static final class TaskExists extends RuntimeException {
        TaskExists() { super(null, null, false, false); }
    }

    // ---- the index outbox

    /** In the completing transaction; the task's row lock keeps a second completion of it from racing this. */
    private static void addToIndexOutbox(Connection c, String taskId) throws SQLException {
        for (String sql : List.of("DELETE FROM index_outbox WHERE task_id = ?", "INSERT INTO index_outbox (task_id) VALUES (?)")) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, taskId);
                ps.executeUpdate();
            }
        }
    }

    @Override
    public List<String> indexOutbox(int limit) {
        Jdbc.requireLimit(limit);
        return jdbc.read("indexOutbox", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id FROM index_outbox ORDER BY seq")) {
                ps.setMaxRows(limit);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && out.size() < limit) out.add(rs.getString(1));
                }
                return out;
            }
        });
    }

    @Override
    public void removeFromIndexOutbox(String taskId) {
        jdbc.read("removeFromIndexOutbox " + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM index_outbox WHERE task_id = ?")) {
                ps.setString(1, taskId);
                return ps.executeUpdate();
            }
        });
    }

    // ---- task groups

    private static final String SELECT_GROUP =
            "SELECT task_group_id, scheduler_id, expires, sealed FROM task_groups WHERE task_group_id = ?";

    /** Thrown inside a transaction that lost the race to insert a group's row: the caller runs it again. */
    private static final class GroupInsertRace extends RuntimeException {
        GroupInsertRace() { super(null, null, false, false); }
    }

    /** The group's row must be written, and this attempt holds only a shared lock on it: run again, exclusively. */
    private static final class GroupNeedsWrite extends RuntimeException {
        GroupNeedsWrite() { super(null, null, false, false); }
    }

    /**
     * Runs {@code insert} (told whether to lock the group's row exclusively) again when it lost the race to create
     * the group's row, or found the row needs writing under a shared lock; a task that exists already answers
     * false. A shared lock is never upgraded within a transaction, so joins never deadlock on the group's row.
     */
    private static boolean retryingGroupRace(String taskGroupId, java.util.function.Function<Boolean, Boolean> insert) {
        boolean exclusive = false;
        for (int attempt = 1; ; attempt++) {
            try {
                return insert.apply(exclusive);
            } catch (TaskExists exists) {
                return false;
            } catch (GroupNeedsWrite needsWrite) {
                exclusive = true;
            } catch (GroupInsertRace race) {
                if (attempt >= 3) throw new IllegalStateException("task group " + taskGroupId + " row kept vanishing");
            }
        }
    }

    /**
     * insertTask's group part, under the group row's lock: creates the row, or moves its expiry to the task's
     * (plus {@link #GROUP_EXPIRY_MARGIN}, so that most tasks write nothing here), or refuses the task.
     */
    private void joinGroup(Connection c, TaskDefinition def, boolean exclusive) throws SQLException {
        String taskGroupId = def.taskGroupId();
        Instant wanted = def.expires().plus(GROUP_EXPIRY_MARGIN);
        String lock = exclusive ? " FOR UPDATE" : db.groupJoinLock();
        Optional<TaskGroupRecord> found = findGroup(c, taskGroupId, lock);
        if (found.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO task_groups (task_group_id, scheduler_id, expires, sealed) VALUES (?, ?, ?, NULL)")) {
                ps.setString(1, taskGroupId);
                ps.setString(2, def.schedulerId());
                Jdbc.setInstant(ps, 3, wanted);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (Jdbc.uniqueViolation(e)) throw new GroupInsertRace();
                throw e;
            }
            return;
        }
        TaskGroupRecord g = found.get();
        if (g.isSealed() || !g.schedulerId().equals(def.schedulerId())) throw new TaskGroupRefusedException(g);
        if (!g.expires().isBefore(def.expires())) return;
        if (!lock.equals(" FOR UPDATE")) throw new GroupNeedsWrite();
        try (PreparedStatement ps = c.prepareStatement("UPDATE task_groups SET expires = ? WHERE task_group_id = ?")) {
            Jdbc.setInstant(ps, 1, wanted);
            ps.setString(2, taskGroupId);
            ps.executeUpdate();
        }
    }

    @Override
    public Optional<TaskGroupRecord> findTaskGroup(String taskGroupId) {
        return jdbc.read("findTaskGroup " + taskGroupId, c -> findGroup(c, taskGroupId, ""));
    }

    @Override
    public Optional<TaskGroupRecord> sealTaskGroup(String taskGroupId, Instant now) {
        return jdbc.inTransaction("sealTaskGroup " + taskGroupId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE task_groups SET sealed = ? WHERE task_group_id = ? AND sealed IS NULL")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setString(2, taskGroupId);
                ps.executeUpdate();
            }
            return findGroup(c, taskGroupId, "");
        });
    }

    @Override
    public int deleteExpiredTaskGroups(Instant now) {
        return jdbc.read("deleteExpiredTaskGroups", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM task_groups WHERE expires < ?")) {
                Jdbc.setInstant(ps, 1, now);
                return ps.executeUpdate();
            }
        });
    }

    private static Optional<TaskGroupRecord> findGroup(Connection c, String taskGroupId, String lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_GROUP + lock)) {
            ps.setString(1, taskGroupId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new TaskGroupRecord(rs.getString("task_group_id"), rs.getString("scheduler_id"),
                        Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "sealed")));
            }
        }
    }

    @Override
    public Optional<TaskRecord> findTask(String taskId) {
        return jdbc.read("findTask " + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_TASK)) {
                ps.setString(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new TaskRecord(taskId, TaskRows.definition(rs), TaskRows.status(rs)));
                }
            }
        });
    }

    @Override
    public Map<String, TaskState> states(Collection<String> taskIds) {
        if (taskIds.isEmpty()) return Map.of();
        Jdbc.Work<Map<String, TaskState>> read = c -> {
            Map<String, TaskState> states = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, state FROM tasks WHERE task_id = ANY(?)"
                    + db.statesLocking())) {
                ps.setArray(1, TaskRows.idArray(c, taskIds));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) states.put(rs.getString(1), TaskState.fromWire(rs.getString(2)));
                }
            }
            return states;
        };
        // A locking read runs in a transaction so that a deadlock is retried.
        return db.statesLocking().isEmpty() ? jdbc.read("states", read) : jdbc.inTransaction("states", read);
    }

    /** Lost compare-and-set races a modify accepts before it takes the row lock instead. */
    private static final int OPTIMISTIC_ATTEMPTS = 3;

    /**
     * First without a transaction: read the row, let the transition decide, and write the result with one
     * statement that succeeds only while the stored status is still the one read (a compare-and-set; a lost
     * race reads again). A change that needs more than the status UPDATE (a queue entry, the index outbox), or
     * that lost too many races, runs as before: one transaction holding the row lock.
     */
    @Override
    public Optional<StatusChange> modify(String taskId, UnaryOperator<TaskStatus> transition) {
        for (int attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt++) {
            Optimistic outcome = jdbc.autocommit("modify " + taskId, c -> modifyOptimistically(c, taskId, transition));
            if (outcome.done()) return outcome.change();
            if (!outcome.lostRace()) break;
        }
        return modifyLocked(taskId, transition);
    }

    /** One optimistic attempt: done with its answer, or a lost race, or a change that needs the locked path. */
    private record Optimistic(boolean done, Optional<StatusChange> change, boolean lostRace) {
        static final Optimistic LOST_RACE = new Optimistic(false, Optional.empty(), true);
        static final Optimistic NEEDS_LOCK = new Optimistic(false, Optional.empty(), false);

        static Optimistic done(Optional<StatusChange> change) { return new Optimistic(true, change, false); }
    }

    private Optimistic modifyOptimistically(Connection c, String taskId, UnaryOperator<TaskStatus> transition)
            throws SQLException {
        TaskRecord before;
        String statusRead;
        try (PreparedStatement ps = c.prepareStatement(SELECT_TASK)) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optimistic.done(Optional.empty());
                statusRead = rs.getString("status");
                before = TaskRows.lazyRecord(taskId, rs);
            }
        }
        TaskStatus next = transition.apply(before.status());
        // a no-op decided on a committed status is as true as one decided under the lock
        if (next == before.status() || next.equals(before.status())) {
            return Optimistic.done(Optional.of(new StatusChange(before, before)));
        }
        if (!Objects.equals(TaskRows.pendingRunId(before.status()), TaskRows.pendingRunId(next))
                || needsIndexOutbox(before, next)) {
            return Optimistic.NEEDS_LOCK;
        }
        boolean noDependents = false;
        String tellingDependents = db.casStatusTellingDependents();
        if (tellingDependents != null && next.state().isResolved() && !before.status().state().isResolved()) {
            try (PreparedStatement ps = c.prepareStatement(tellingDependents)) {
                TaskRows.bindStatusUpdate(ps, taskId, next);
                ps.setString(5, statusRead);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optimistic.LOST_RACE;
                    noDependents = !rs.getBoolean(1);
                }
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement(CAS_STATUS)) {
                TaskRows.bindStatusUpdate(ps, taskId, next);
                ps.setString(5, statusRead);
                if (ps.executeUpdate() == 0) return Optimistic.LOST_RACE;
            }
        }
        return Optimistic.done(Optional.of(new StatusChange(before, before.withStatus(next), noDependents)));
    }

    private static boolean needsIndexOutbox(TaskRecord before, TaskStatus next) {
        return next.state() == TaskState.COMPLETED && before.status().state() != TaskState.COMPLETED
                && RouteIndexer.hasIndexRoutes(before.definition());
    }

    /** modify under the task's row lock, in one transaction with its queue entry and index outbox writes. */
    private Optional<StatusChange> modifyLocked(String taskId, UnaryOperator<TaskStatus> transition) {
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
                    before = TaskRows.lazyRecord(taskId, rs);
                    taskQueueId = rs.getString("task_queue_id");
                    priority = rs.getInt("priority");
                }
            }
            TaskStatus next = transition.apply(before.status());
            if (next == before.status() || next.equals(before.status())) {
                return Optional.of(new StatusChange(before, before));
            }
            boolean noDependents = false;
            String tellingDependents = db.updateStatusTellingDependents();
            if (tellingDependents != null && next.state().isResolved() && !before.status().state().isResolved()) {
                try (PreparedStatement ps = c.prepareStatement(tellingDependents)) {
                    TaskRows.bindStatusUpdate(ps, taskId, next);
                    ps.setString(5, taskId);
                    try (ResultSet rs = ps.executeQuery()) {
                        noDependents = rs.next() && !rs.getBoolean(1);
                    }
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement(UPDATE_STATUS)) {
                    TaskRows.bindStatusUpdate(ps, taskId, next);
                    ps.executeUpdate();
                }
            }
            writeQueueEntry(c, taskId, taskQueueId, priority, TaskRows.pendingRunId(before.status()), next, woken);
            if (needsIndexOutbox(before, next)) addToIndexOutbox(c, taskId);
            return Optional.of(new StatusChange(before, before.withStatus(next), noDependents));
        });
        fireLocal(woken);
        return change;
    }

    @Override
    public List<TaskRecord> claimPending(String taskQueueId, int max, UnaryOperator<TaskStatus> transition) {
        if (max < 1) return List.of();
        Set<String> woken = new LinkedHashSet<>();
        List<TaskRecord> claimed = db.serialiseClaims(() -> jdbc.inTransaction("claimPending " + taskQueueId, c -> {
            woken.clear();
            Map<String, TaskRecord> locked = new HashMap<>();
            List<QueueEntry> entries = db.takeEntries(c, taskQueueId, max, locked);
            return applyClaims(c, entries, locked, transition, woken);
        }));
        fireLocal(woken);
        return claimed;
    }

    /** Deletes the entries still there; one a concurrent modify removed or replaced meanwhile is not taken. */
    private static List<QueueEntry> deleteEntries(Connection c, List<QueueEntry> candidates) throws SQLException {
        int[] deleted;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pending WHERE task_id = ? AND run_id = ?")) {
            for (QueueEntry e : candidates) {
                ps.setString(1, e.taskId());
                ps.setInt(2, e.runId());
                ps.addBatch();
            }
            deleted = ps.executeBatch();
        }
        List<QueueEntry> taken = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            if (deleted[i] > 0) taken.add(candidates.get(i));
        }
        return taken;
    }

    /**
     * Locks the tasks of {@code entries} (unless the customization's take already did, filling
     * {@code locked}), applies the claim transition and writes the results. Entries the take left in place
     * are deleted here, after the task locks, which is the order a modify takes them in.
     */
    private List<TaskRecord> applyClaims(Connection c, List<QueueEntry> entries, Map<String, TaskRecord> locked,
                                         UnaryOperator<TaskStatus> transition, Set<String> woken) throws SQLException {
        if (entries.isEmpty()) return List.of();
        if (!db.takeDeletesEntries()) {
            List<String> ids = entries.stream().map(QueueEntry::taskId).toList();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT task_id, definition, status FROM tasks WHERE task_id = ANY(?) ORDER BY task_id FOR UPDATE")) {
                ps.setArray(1, TaskRows.idArray(c, ids));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        locked.put(id, TaskRows.lazyRecord(id, rs));
                    }
                }
            }
            entries = deleteEntries(c, entries);
            if (entries.isEmpty()) return List.of();
        }
        List<TaskRecord> claimed = new ArrayList<>(entries.size());
        List<TaskRecord> unchanged = new ArrayList<>();
        for (QueueEntry entry : entries) {
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
            claimed.add(before.withStatus(next));
        }
        if (!claimed.isEmpty()) db.updateStatuses(c, claimed);
        // The entries are gone; a status the claim left pending (or made pending anew) needs one again.
        for (TaskRecord r : claimed) {
            if (TaskRows.pendingRunId(r.status()) != null) requeue(c, r, woken);
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
        return tasksInIdOrder("taskGroup", "task_group_id = ?", taskGroupId, continuationToken, limit);
    }

    /** One page, in task id order, of the tasks matching {@code where} (one parameter, {@code value}). */
    private Page<TaskRecord> tasksInIdOrder(String operation, String where, String value, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read(operation + " " + value, c -> {
            List<TaskRecord> tasks = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, definition, status FROM tasks"
                    + " WHERE " + where + " AND task_id > ? ORDER BY task_id LIMIT ?")) {
                ps.setString(1, value);
                ps.setString(2, after);
                ps.setInt(3, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) tasks.add(new TaskRecord(rs.getString(1), TaskRows.definition(rs), TaskRows.status(rs)));
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
    public Page<TaskRecord> pendingTasks(String taskQueueId, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        // the token is "<priority>:<seq>" of the last entry, its place in claim order
        String after = Jdbc.afterKey(continuationToken);
        int colon = after.indexOf(':');
        int afterPriority = colon < 0 ? Integer.MAX_VALUE : Integer.parseInt(after.substring(0, colon));
        long afterSeq = colon < 0 ? -1 : Long.parseLong(after.substring(colon + 1));
        return jdbc.read("pendingTasks " + taskQueueId, c -> {
            List<TaskRecord> tasks = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT t.task_id, t.definition, t.status, p.priority, p.seq"
                    + " FROM pending p JOIN tasks t ON t.task_id = p.task_id WHERE p.task_queue_id = ?"
                    + " AND (p.priority < ? OR (p.priority = ? AND p.seq > ?)) ORDER BY p.priority DESC, p.seq LIMIT ?")) {
                ps.setString(1, taskQueueId);
                ps.setInt(2, afterPriority);
                ps.setInt(3, afterPriority);
                ps.setLong(4, afterSeq);
                ps.setInt(5, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tasks.add(new TaskRecord(rs.getString(1), TaskRows.definition(rs), TaskRows.status(rs)));
                        keys.add(rs.getInt(4) + ":" + rs.getLong(5));
                    }
                }
            }
            if (tasks.size() <= limit) return new Page<>(tasks, null);
            return new Page<>(tasks.subList(0, limit), Jdbc.token(keys.get(limit - 1)));
        });
    }

    @Override
    public Page<TaskRecord> claimedTasks(String taskQueueId, String continuationToken, int limit) {
        return tasksInIdOrder("claimedTasks", "task_queue_id = ? AND state = 'running'", taskQueueId, continuationToken, limit);
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
                    "DELETE FROM index_outbox WHERE task_id = ?",
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
        Integer wanted = TaskRows.pendingRunId(after);
        if (wanted != null && !wanted.equals(entryRunId)) {
            db.upsertPending(c, taskId, wanted, taskQueueId, priority, instanceId);
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
