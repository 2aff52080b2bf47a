package dev.berth.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.core.json.Json;
import dev.berth.core.store.Page;
import dev.berth.core.workers.Action;
import dev.berth.core.workers.ProvisionerRecord;
import dev.berth.core.workers.QuarantineDetail;
import dev.berth.core.workers.Stability;
import dev.berth.core.workers.TaskQueueRecord;
import dev.berth.core.workers.TaskRun;
import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerStore;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link WorkerStore} over plain JDBC. Each upsert locks the row it reads (SELECT ... FOR UPDATE), computes the
 * merged row in Java and writes it back; two servers inserting the same new row at once lose nothing, as the
 * loser of the insert runs again and updates the winner's row. The SQL is the subset PostgreSQL and H2 share,
 * so nothing here needs a {@link DatabaseCustomization}.
 */
public final class JdbcWorkerStore implements WorkerStore {

    private static final TypeReference<List<Action>> ACTIONS = new TypeReference<>() {};
    private static final TypeReference<List<QuarantineDetail>> DETAILS = new TypeReference<>() {};
    private static final TypeReference<List<TaskRun>> RUNS = new TypeReference<>() {};
    private static final String QUEUE_COLUMNS = "task_queue_id, provisioner_id, description, stability, expires, last_date_active";
    private static final String PROVISIONER_COLUMNS = "provisioner_id, description, stability, actions, expires, last_date_active";
    private static final String WORKER_COLUMNS = "task_queue_id, worker_group, worker_id, quarantine_until, quarantine_details,"
            + " recent_tasks, expires, first_claim, last_date_active";
    private static final String WORKER_KEY = " WHERE task_queue_id = ? AND worker_group = ? AND worker_id = ?";

    private final Jdbc jdbc;

    public JdbcWorkerStore(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    /** Thrown inside a transaction whose insert lost to a concurrent one: the caller runs it again. */
    private static final class InsertRace extends RuntimeException {
        InsertRace() { super(null, null, false, false); }
    }

    /** Runs an upsert transaction, again when its insert lost a race (the row exists then, so it updates). */
    private <T> T upsert(String operation, Jdbc.Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbc.inTransaction(operation, work);
            } catch (InsertRace race) {
                if (attempt >= 3) throw new IllegalStateException(operation + ": the row kept vanishing");
            }
        }
    }

    private static void insert(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (Jdbc.uniqueViolation(e)) throw new InsertRace();
            throw e;
        }
    }

    private static void update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
        }
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    // ---- task queues and provisioners

    @Override
    public TaskQueueRecord upsertTaskQueue(String taskQueueId, String description, String stability, Instant expires,
                                           Instant now, boolean active) {
        return upsert("upsertTaskQueue " + taskQueueId, c -> {
            Optional<TaskQueueRecord> found = findQueue(c, taskQueueId, true);
            TaskQueueRecord next;
            if (found.isEmpty()) {
                next = new TaskQueueRecord(taskQueueId, description == null ? "" : description,
                        stability == null ? Stability.DEFAULT : stability, expires, now);
                insert(c, "INSERT INTO task_queues (" + QUEUE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, taskQueueId);
                    ps.setString(2, next.provisionerId());
                    bindQueueFields(ps, next, 3);
                });
            } else {
                TaskQueueRecord q = found.get();
                next = new TaskQueueRecord(taskQueueId, description == null ? q.description() : description,
                        stability == null ? q.stability() : stability, later(q.expires(), expires),
                        active ? now : q.lastDateActive());
                if (!next.equals(q)) {
                    update(c, "UPDATE task_queues SET description = ?, stability = ?, expires = ?, last_date_active = ?"
                            + " WHERE task_queue_id = ?", ps -> {
                        bindQueueFields(ps, next, 1);
                        ps.setString(5, taskQueueId);
                    });
                }
            }
            provisionerFollowsQueue(c, next.provisionerId(), expires, now, active);
            return next;
        });
    }

    /** The queue's provisioner exists while the queue does: created, or its expiry raised and activity bumped. */
    private void provisionerFollowsQueue(Connection c, String provisionerId, Instant expires, Instant now, boolean active)
            throws SQLException {
        Optional<ProvisionerRecord> found = findProvisioner(c, provisionerId, true);
        if (found.isEmpty()) {
            ProvisionerRecord p = new ProvisionerRecord(provisionerId, "", Stability.DEFAULT, List.of(), expires, now);
            insert(c, "INSERT INTO provisioners (" + PROVISIONER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)",
                    ps -> bindProvisioner(ps, p));
            return;
        }
        ProvisionerRecord p = found.get();
        Instant until = later(p.expires(), expires);
        Instant lastActive = active ? now : p.lastDateActive();
        if (until.equals(p.expires()) && lastActive.equals(p.lastDateActive())) return;
        update(c, "UPDATE provisioners SET expires = ?, last_date_active = ? WHERE provisioner_id = ?", ps -> {
            Jdbc.setInstant(ps, 1, until);
            Jdbc.setInstant(ps, 2, lastActive);
            ps.setString(3, provisionerId);
        });
    }

    @Override
    public ProvisionerRecord upsertProvisioner(String provisionerId, String description, String stability,
                                               List<Action> actions, Instant expires, Instant defaultExpires, Instant now) {
        return upsert("upsertProvisioner " + provisionerId, c -> {
            Optional<ProvisionerRecord> found = findProvisioner(c, provisionerId, true);
            if (found.isEmpty()) {
                ProvisionerRecord p = new ProvisionerRecord(provisionerId, description == null ? "" : description,
                        stability == null ? Stability.DEFAULT : stability, actions == null ? List.of() : actions,
                        expires == null ? defaultExpires : expires, now);
                insert(c, "INSERT INTO provisioners (" + PROVISIONER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)",
                        ps -> bindProvisioner(ps, p));
                return p;
            }
            ProvisionerRecord old = found.get();
            ProvisionerRecord p = new ProvisionerRecord(provisionerId, description == null ? old.description() : description,
                    stability == null ? old.stability() : stability, actions == null ? old.actions() : actions,
                    expires == null ? old.expires() : later(old.expires(), expires), now);
            update(c, "UPDATE provisioners SET description = ?, stability = ?, actions = ?, expires = ?, last_date_active = ?"
                    + " WHERE provisioner_id = ?", ps -> {
                ps.setString(1, p.description());
                ps.setString(2, p.stability());
                ps.setString(3, Json.write(p.actions()));
                Jdbc.setInstant(ps, 4, p.expires());
                Jdbc.setInstant(ps, 5, p.lastDateActive());
                ps.setString(6, provisionerId);
            });
            return p;
        });
    }

    @Override
    public Optional<TaskQueueRecord> findTaskQueue(String taskQueueId) {
        return jdbc.read("findTaskQueue " + taskQueueId, c -> findQueue(c, taskQueueId, false));
    }

    @Override
    public Page<TaskQueueRecord> taskQueues(String provisionerId, Instant now, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("taskQueues", c -> {
            List<TaskQueueRecord> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM task_queues"
                    + " WHERE task_queue_id > ? AND expires >= ?" + (provisionerId == null ? "" : " AND provisioner_id = ?")
                    + " ORDER BY task_queue_id LIMIT ?")) {
                int i = 1;
                ps.setString(i++, after);
                Jdbc.setInstant(ps, i++, now);
                if (provisionerId != null) ps.setString(i++, provisionerId);
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) rows.add(queue(rs));
                }
            }
            return page(rows, limit, TaskQueueRecord::taskQueueId);
        });
    }

    @Override
    public Optional<ProvisionerRecord> findProvisioner(String provisionerId) {
        return jdbc.read("findProvisioner " + provisionerId, c -> findProvisioner(c, provisionerId, false));
    }

    @Override
    public Page<ProvisionerRecord> provisioners(Instant now, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("provisioners", c -> {
            List<ProvisionerRecord> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PROVISIONER_COLUMNS + " FROM provisioners"
                    + " WHERE provisioner_id > ? AND expires >= ? ORDER BY provisioner_id LIMIT ?")) {
                ps.setString(1, after);
                Jdbc.setInstant(ps, 2, now);
                ps.setInt(3, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) rows.add(provisioner(rs));
                }
            }
            return page(rows, limit, ProvisionerRecord::provisionerId);
        });
    }

    // ---- workers

    @Override
    public WorkerRecord workerSeen(String taskQueueId, String workerGroup, String workerId, Instant expires, Instant now) {
        return upsert("workerSeen " + workerGroup + "/" + workerId, c -> {
            Optional<WorkerRecord> found = findWorker(c, taskQueueId, workerGroup, workerId, true);
            if (found.isEmpty()) {
                WorkerRecord w = new WorkerRecord(taskQueueId, workerGroup, workerId, null, List.of(), expires, now, now, List.of());
                insert(c, "INSERT INTO queue_workers (" + WORKER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, taskQueueId);
                    ps.setString(2, workerGroup);
                    ps.setString(3, workerId);
                    Jdbc.setInstant(ps, 4, null);
                    ps.setString(5, "[]");
                    ps.setString(6, "[]");
                    Jdbc.setInstant(ps, 7, expires);
                    Jdbc.setInstant(ps, 8, now);
                    Jdbc.setInstant(ps, 9, now);
                });
                return w;
            }
            WorkerRecord w = found.get();
            Instant until = later(w.expires(), expires);
            update(c, "UPDATE queue_workers SET expires = ?, last_date_active = ?" + WORKER_KEY, ps -> {
                Jdbc.setInstant(ps, 1, until);
                Jdbc.setInstant(ps, 2, now);
                bindWorkerKey(ps, 3, taskQueueId, workerGroup, workerId);
            });
            return new WorkerRecord(taskQueueId, workerGroup, workerId, w.quarantineUntil(), w.quarantineDetails(), until,
                    w.firstClaim(), now, w.recentTasks());
        });
    }

    @Override
    public Optional<WorkerRecord> quarantineWorker(String taskQueueId, String workerGroup, String workerId, Instant until,
                                                   QuarantineDetail detail, Instant minExpires) {
        return jdbc.inTransaction("quarantineWorker " + workerGroup + "/" + workerId, c -> {
            Optional<WorkerRecord> found = findWorker(c, taskQueueId, workerGroup, workerId, true);
            if (found.isEmpty()) return Optional.<WorkerRecord>empty();
            WorkerRecord w = found.get();
            List<QuarantineDetail> details = new ArrayList<>(w.quarantineDetails());
            details.add(detail);
            WorkerRecord next = new WorkerRecord(taskQueueId, workerGroup, workerId, until, details,
                    later(w.expires(), minExpires), w.firstClaim(), w.lastDateActive(), w.recentTasks());
            update(c, "UPDATE queue_workers SET quarantine_until = ?, quarantine_details = ?, expires = ?" + WORKER_KEY, ps -> {
                Jdbc.setInstant(ps, 1, until);
                ps.setString(2, Json.write(next.quarantineDetails()));
                Jdbc.setInstant(ps, 3, next.expires());
                bindWorkerKey(ps, 4, taskQueueId, workerGroup, workerId);
            });
            return Optional.of(next);
        });
    }

    @Override
    public void addRecentTasks(String taskQueueId, String workerGroup, String workerId, List<TaskRun> runs) {
        jdbc.inTransaction("addRecentTasks " + workerGroup + "/" + workerId, c -> {
            List<TaskRun> recent;
            try (PreparedStatement ps = c.prepareStatement("SELECT recent_tasks FROM queue_workers" + WORKER_KEY + " FOR UPDATE")) {
                bindWorkerKey(ps, 1, taskQueueId, workerGroup, workerId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return null;
                    recent = new ArrayList<>(read(rs.getString(1), RUNS));
                }
            }
            recent.addAll(runs);
            List<TaskRun> kept = recent.subList(Math.max(0, recent.size() - WorkerRecord.RECENT_TASKS), recent.size());
            update(c, "UPDATE queue_workers SET recent_tasks = ?" + WORKER_KEY, ps -> {
                ps.setString(1, Json.write(kept));
                bindWorkerKey(ps, 2, taskQueueId, workerGroup, workerId);
            });
            return null;
        });
    }

    @Override
    public Optional<WorkerRecord> findWorker(String taskQueueId, String workerGroup, String workerId) {
        return jdbc.read("findWorker " + workerGroup + "/" + workerId, c -> findWorker(c, taskQueueId, workerGroup, workerId, false));
    }

    @Override
    public Page<WorkerRecord> workers(String taskQueueId, Boolean quarantined, Instant now, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        // the token is "<workerGroup>/<workerId>" of the last worker; neither identifier holds a slash
        String after = Jdbc.afterKey(continuationToken);
        int slash = after.indexOf('/');
        String afterGroup = slash < 0 ? after : after.substring(0, slash);
        String afterId = slash < 0 ? "" : after.substring(slash + 1);
        String quarantine = quarantined == null ? ""
                : quarantined ? " AND quarantine_until > ?" : " AND (quarantine_until IS NULL OR quarantine_until <= ?)";
        return jdbc.read("workers " + taskQueueId, c -> {
            List<WorkerRecord> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + WORKER_COLUMNS + " FROM queue_workers"
                    + " WHERE task_queue_id = ? AND (worker_group > ? OR (worker_group = ? AND worker_id > ?))"
                    + " AND (expires >= ? OR quarantine_until > ?)" + quarantine
                    + " ORDER BY worker_group, worker_id LIMIT ?")) {
                int i = 1;
                ps.setString(i++, taskQueueId);
                ps.setString(i++, afterGroup);
                ps.setString(i++, afterGroup);
                ps.setString(i++, afterId);
                Jdbc.setInstant(ps, i++, now);
                Jdbc.setInstant(ps, i++, now);
                if (quarantined != null) Jdbc.setInstant(ps, i++, now);
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) rows.add(worker(rs));
                }
            }
            return page(rows, limit, w -> w.workerGroup() + "/" + w.workerId());
        });
    }

    @Override
    public int deleteExpired(Instant now) {
        return jdbc.inTransaction("deleteExpired workers", c -> {
            int n = 0;
            for (String sql : List.of("DELETE FROM task_queues WHERE expires < ?", "DELETE FROM provisioners WHERE expires < ?",
                    "DELETE FROM queue_workers WHERE expires < ? AND (quarantine_until IS NULL OR quarantine_until < ?)")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    Jdbc.setInstant(ps, 1, now);
                    if (sql.contains("quarantine_until")) Jdbc.setInstant(ps, 2, now);
                    n += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    @Override
    public void close() {
        // the pool belongs to Storage
    }

    // ---- rows

    private static Optional<TaskQueueRecord> findQueue(Connection c, String taskQueueId, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM task_queues WHERE task_queue_id = ?"
                + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, taskQueueId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(queue(rs)) : Optional.empty();
            }
        }
    }

    private static Optional<ProvisionerRecord> findProvisioner(Connection c, String provisionerId, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PROVISIONER_COLUMNS + " FROM provisioners WHERE provisioner_id = ?"
                + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, provisionerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(provisioner(rs)) : Optional.empty();
            }
        }
    }

    private static Optional<WorkerRecord> findWorker(Connection c, String taskQueueId, String workerGroup, String workerId,
                                                     boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + WORKER_COLUMNS + " FROM queue_workers" + WORKER_KEY
                + (lock ? " FOR UPDATE" : ""))) {
            bindWorkerKey(ps, 1, taskQueueId, workerGroup, workerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(worker(rs)) : Optional.empty();
            }
        }
    }

    private static void bindQueueFields(PreparedStatement ps, TaskQueueRecord q, int first) throws SQLException {
        ps.setString(first, q.description());
        ps.setString(first + 1, q.stability());
        Jdbc.setInstant(ps, first + 2, q.expires());
        Jdbc.setInstant(ps, first + 3, q.lastDateActive());
    }

    private static void bindProvisioner(PreparedStatement ps, ProvisionerRecord p) throws SQLException {
        ps.setString(1, p.provisionerId());
        ps.setString(2, p.description());
        ps.setString(3, p.stability());
        ps.setString(4, Json.write(p.actions()));
        Jdbc.setInstant(ps, 5, p.expires());
        Jdbc.setInstant(ps, 6, p.lastDateActive());
    }

    private static void bindWorkerKey(PreparedStatement ps, int first, String taskQueueId, String workerGroup,
                                      String workerId) throws SQLException {
        ps.setString(first, taskQueueId);
        ps.setString(first + 1, workerGroup);
        ps.setString(first + 2, workerId);
    }

    private static TaskQueueRecord queue(ResultSet rs) throws SQLException {
        return new TaskQueueRecord(rs.getString("task_queue_id"), rs.getString("description"), rs.getString("stability"),
                Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "last_date_active"));
    }

    private static ProvisionerRecord provisioner(ResultSet rs) throws SQLException {
        return new ProvisionerRecord(rs.getString("provisioner_id"), rs.getString("description"), rs.getString("stability"),
                read(rs.getString("actions"), ACTIONS), Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "last_date_active"));
    }

    private static WorkerRecord worker(ResultSet rs) throws SQLException {
        return new WorkerRecord(rs.getString("task_queue_id"), rs.getString("worker_group"), rs.getString("worker_id"),
                Jdbc.getInstant(rs, "quarantine_until"), read(rs.getString("quarantine_details"), DETAILS),
                Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "first_claim"), Jdbc.getInstant(rs, "last_date_active"),
                read(rs.getString("recent_tasks"), RUNS));
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a stored worker column does not parse: " + e.getOriginalMessage(), e);
        }
    }

    private static Instant later(Instant a, Instant b) { return b.isAfter(a) ? b : a; }

    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<T> items = rows.subList(0, limit);
        return new Page<>(items, Jdbc.token(key.apply(items.get(limit - 1))));
    }
}
