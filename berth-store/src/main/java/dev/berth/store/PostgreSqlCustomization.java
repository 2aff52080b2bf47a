package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import dev.berth.core.store.TaskGroupRecord;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * PostgreSQL: claimers share a queue through one DELETE ... FOR UPDATE SKIP LOCKED statement, so servers on
 * the same database claim concurrently without waiting for each other; a new queue entry travels with its
 * NOTIFY, which wakes the long polls of every other server.
 *
 * <p>Lock order: the claim's DELETE locks entries before tasks, unlike a modify; the deadlock that a cancel
 * during a claim can cause is detected by PostgreSQL and {@link Jdbc#inTransaction} retries the loser.
 */
final class PostgreSqlCustomization implements DatabaseCustomization {

    private static final String INSERT_TASK = TaskRows.INSERT_TASK + " ON CONFLICT (task_id) DO NOTHING";

    /** A new run replaces whatever entry the task had, and goes to the back of its priority. */
    private static final String UPSERT_PENDING_AND_NOTIFY = "WITH p AS ("
            + "INSERT INTO pending (task_id, run_id, task_queue_id, priority, seq)"
            + " VALUES (?, ?, ?, ?, nextval('pending_seq'))"
            + " ON CONFLICT (task_id) DO UPDATE SET run_id = EXCLUDED.run_id,"
            + " task_queue_id = EXCLUDED.task_queue_id, priority = EXCLUDED.priority, seq = EXCLUDED.seq"
            + " RETURNING task_queue_id)"
            + " SELECT pg_notify('" + PgNotifier.CHANNEL + "', ? || ' ' || p.task_queue_id) FROM p";

    /** Task row, queue entry and NOTIFY in one autocommit statement: one round trip instead of three. */
    private static final String INSERT_TASK_ONE_STATEMENT =
            "WITH t AS (" + INSERT_TASK + " RETURNING task_id),"
                    + " p AS (INSERT INTO pending (task_id, run_id, task_queue_id, priority, seq)"
                    + " SELECT task_id, ?, ?, ?, nextval('pending_seq') FROM t WHERE ?"
                    + " ON CONFLICT (task_id) DO NOTHING RETURNING task_queue_id)"
                    + " SELECT (SELECT count(*) FROM t),"
                    + " (SELECT count(pg_notify('" + PgNotifier.CHANNEL + "', ? || ' ' || task_queue_id)) FROM p)";

    /**
     * {@link #INSERT_TASK_ONE_STATEMENT} with insertTask's group check folded in: the group's row is read FOR
     * SHARE (in READ COMMITTED its latest committed version; a seal waits for this statement), the task goes in
     * only when the group is open, of the task's scheduler id, and expires no earlier than the task. The one row
     * answered names the group as read (all null when it has no row) and how many task rows went in.
     */
    private static final String INSERT_JOINING_GROUP =
            "WITH g AS (SELECT scheduler_id, expires, sealed FROM task_groups WHERE task_group_id = ? FOR SHARE),"
                    + " t AS (INSERT INTO tasks (" + TaskRows.TASK_COLUMNS + ")"
                    + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM g"
                    + " WHERE g.sealed IS NULL AND g.scheduler_id = ? AND g.expires >= ?"
                    + " ON CONFLICT (task_id) DO NOTHING RETURNING task_id),"
                    + " p AS (INSERT INTO pending (task_id, run_id, task_queue_id, priority, seq)"
                    + " SELECT task_id, ?, ?, ?, nextval('pending_seq') FROM t WHERE ?"
                    + " ON CONFLICT (task_id) DO NOTHING RETURNING task_queue_id)"
                    + " SELECT g.scheduler_id, g.expires, g.sealed, (SELECT count(*) FROM t),"
                    + " (SELECT count(pg_notify('" + PgNotifier.CHANNEL + "', ? || ' ' || task_queue_id)) FROM p)"
                    + " FROM (VALUES (1)) AS one LEFT JOIN g ON true";

    /**
     * Takes the batch (concurrent claimers skip each other's entries instead of waiting) and locks and reads
     * the tasks of the entries taken, in task_id order. A task row a concurrent modify holds is waited for and
     * read in its committed latest version. An entry whose task is gone is deleted and not returned.
     */
    private static final String TAKE_SKIP_LOCKED =
            "WITH taken AS (DELETE FROM pending WHERE task_id IN (SELECT task_id FROM pending"
                    + " WHERE task_queue_id = ? ORDER BY priority DESC, seq LIMIT ? FOR UPDATE SKIP LOCKED)"
                    + " RETURNING task_id, run_id, priority, seq)"
                    + " SELECT taken.task_id, taken.run_id, taken.priority, taken.seq, t.definition, t.status"
                    + " FROM taken JOIN tasks t ON t.task_id = taken.task_id"
                    + " ORDER BY taken.task_id FOR UPDATE OF t";

    @Override
    public void configurePool(HikariConfig config, String user) {
        // Enough for concurrent claim/report traffic on a few cores without swamping the server.
        config.setMaximumPoolSize(16);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
    }

    @Override
    public PgNotifier notifier(String url, String user, String password, JdbcTaskStore store) {
        Properties props = new Properties();
        if (user != null) props.setProperty("user", user);
        if (password != null) props.setProperty("password", password);
        return new PgNotifier(url, props, store.instanceId(), store::dispatch);
    }

    @Override
    public String insertTaskSql() { return INSERT_TASK; }

    @Override
    public String insertDependencySql() {
        return "INSERT INTO dependencies (required_task_id, dependent_task_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
    }

    @Override
    public Optional<Boolean> insertWithoutDependencies(Connection c, TaskRecord task, String instanceId) throws SQLException {
        Integer pendingRun = TaskRows.pendingRunId(task.status());
        try (PreparedStatement ps = c.prepareStatement(INSERT_TASK_ONE_STATEMENT)) {
            TaskRows.bindTaskRow(ps, task);
            if (pendingRun == null) ps.setNull(12, Types.INTEGER);
            else ps.setInt(12, pendingRun);
            ps.setString(13, task.definition().taskQueueId());
            ps.setInt(14, task.definition().priority().level());
            ps.setBoolean(15, pendingRun != null);
            ps.setString(16, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Optional.of(rs.getLong(1) > 0);
            }
        }
    }

    @Override
    public JoinedInsert insertJoiningGroup(Connection c, TaskRecord task, String instanceId) throws SQLException {
        TaskDefinition def = task.definition();
        Integer pendingRun = TaskRows.pendingRunId(task.status());
        try (PreparedStatement ps = c.prepareStatement(INSERT_JOINING_GROUP)) {
            ps.setString(1, def.taskGroupId());
            TaskRows.bindTaskRow(ps, task, 1);
            ps.setString(13, def.schedulerId());
            Jdbc.setInstant(ps, 14, def.expires());
            if (pendingRun == null) ps.setNull(15, Types.INTEGER);
            else ps.setInt(15, pendingRun);
            ps.setString(16, def.taskQueueId());
            ps.setInt(17, def.priority().level());
            ps.setBoolean(18, pendingRun != null);
            ps.setString(19, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String schedulerId = rs.getString(1);
                if (schedulerId == null) return new JoinedInsert(JoinOutcome.NEEDS_GROUP_WRITE, null);
                if (rs.getLong(4) > 0) return new JoinedInsert(JoinOutcome.INSERTED, null);
                TaskGroupRecord group = new TaskGroupRecord(def.taskGroupId(), schedulerId,
                        Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "sealed"));
                if (group.isSealed() || !schedulerId.equals(def.schedulerId())) {
                    return new JoinedInsert(JoinOutcome.REFUSED, group);
                }
                if (group.expires().isBefore(def.expires())) return new JoinedInsert(JoinOutcome.NEEDS_GROUP_WRITE, null);
                return new JoinedInsert(JoinOutcome.EXISTS, null);
            }
        }
    }

    /** A join that must move the group's expiry runs again with FOR UPDATE (JdbcTaskStore), never upgrading this. */
    @Override
    public String groupJoinLock() { return " FOR SHARE"; }

    /**
     * FOR SHARE waits for a resolving modify of these tasks (see TaskStore#states), ordered by task_id as
     * claims lock theirs; run in a transaction so that a deadlock is retried all the same.
     */
    @Override
    public String statesLocking() { return " ORDER BY task_id FOR SHARE"; }

    /**
     * The UPDATE's snapshot is taken after the row lock is held, so it sees every edge committed before; a
     * dependent committing an edge later re-reads states() FOR SHARE and waits for the resolution.
     */
    @Override
    public String updateStatusTellingDependents() {
        return TaskRows.UPDATE_STATUS + " RETURNING EXISTS (SELECT 1 FROM dependencies WHERE required_task_id = ?)";
    }

    /**
     * berth_has_dependents (V11) is VOLATILE PL/pgSQL: its query takes a fresh snapshot when RETURNING runs,
     * after the row is locked and written, so it sees every edge committed before that, as the transaction of
     * {@link #updateStatusTellingDependents} does. (A plain EXISTS here would read with the statement's
     * snapshot, taken before the lock: a dependent committing its edge and checking states() in between would
     * be missed by both sides.)
     */
    @Override
    public String casStatusTellingDependents() {
        return TaskRows.CAS_STATUS + " RETURNING berth_has_dependents(task_id)";
    }

    /** A claim's batch in one statement (a JDBC batch would be one UPDATE per task); taken_until travels as text. */
    private static final String UPDATE_STATUSES = "UPDATE tasks AS t SET state = v.state,"
            + " taken_until = v.taken_until::timestamptz, status = v.status"
            + " FROM unnest(?::varchar[], ?::varchar[], ?::text[], ?::text[]) AS v(task_id, state, taken_until, status)"
            + " WHERE t.task_id = v.task_id";

    @Override
    public void updateStatuses(Connection c, List<TaskRecord> tasks) throws SQLException {
        if (tasks.size() == 1) {
            DatabaseCustomization.super.updateStatuses(c, tasks);
            return;
        }
        int n = tasks.size();
        String[] ids = new String[n];
        String[] states = new String[n];
        String[] takenUntil = new String[n];
        String[] statuses = new String[n];
        for (int i = 0; i < n; i++) {
            TaskStatus s = tasks.get(i).status();
            ids[i] = tasks.get(i).taskId();
            states[i] = s.state().wire();
            Instant until = TaskRows.takenUntil(s.latestRun().orElse(null));
            takenUntil[i] = until == null ? null : until.toString();
            statuses[i] = Json.write(s);
        }
        try (PreparedStatement ps = c.prepareStatement(UPDATE_STATUSES)) {
            ps.setArray(1, c.createArrayOf("varchar", ids));
            ps.setArray(2, c.createArrayOf("varchar", states));
            ps.setArray(3, c.createArrayOf("text", takenUntil));
            ps.setArray(4, c.createArrayOf("text", statuses));
            ps.executeUpdate();
        }
    }

    @Override
    public void upsertPending(Connection c, String taskId, int runId, String taskQueueId, int priority,
                              String instanceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT_PENDING_AND_NOTIFY)) {
            ps.setString(1, taskId);
            ps.setInt(2, runId);
            ps.setString(3, taskQueueId);
            ps.setInt(4, priority);
            ps.setString(5, instanceId);
            ps.executeQuery().close();
        }
    }

    @Override
    public List<QueueEntry> takeEntries(Connection c, String taskQueueId, int max, Map<String, TaskRecord> lockedTasks)
            throws SQLException {
        List<QueueEntry> entries = new ArrayList<>(max);
        try (PreparedStatement ps = c.prepareStatement(TAKE_SKIP_LOCKED)) {
            ps.setString(1, taskQueueId);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    entries.add(new QueueEntry(id, rs.getInt(2), rs.getInt(3), rs.getLong(4)));
                    lockedTasks.put(id, TaskRows.lazyRecord(id, rs));
                }
            }
        }
        entries.sort(QueueEntry.CLAIM_ORDER);
        return entries;
    }

    @Override
    public boolean takeDeletesEntries() { return true; }
}
