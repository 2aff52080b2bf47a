package dev.berth.store;

import dev.berth.core.json.Json;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolWorker;
import dev.berth.core.pools.WorkerPool;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.pools.WorkerPoolStore;
import dev.berth.core.pools.WorkerState;
import dev.berth.core.store.Page;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Worker pools, their workers and errors (migration V9); the same SQL serves PostgreSQL and H2. */
final class JdbcWorkerPoolStore implements WorkerPoolStore {

    private static final String POOL_COLUMNS =
            "worker_pool_id, provider_id, description, config, owner, email_on_error, created, last_modified";
    private static final String WORKER_COLUMNS = "worker_pool_id, worker_group, worker_id, provider_id, state, capacity, created, "
            + "expires, last_modified, last_checked, provider_data";
    private static final String ERROR_COLUMNS = "error_id, worker_pool_id, reported, kind, title, description, extra";

    private final Jdbc jdbc;

    JdbcWorkerPoolStore(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    // ---- pools

    @Override
    public boolean createPool(WorkerPool p) {
        return jdbc.read("createWorkerPool " + p.workerPoolId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO worker_pools (" + POOL_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, p.workerPoolId());
                ps.setString(2, p.providerId());
                ps.setString(3, p.description());
                ps.setString(4, Json.write(p.config()));
                ps.setString(5, p.owner());
                ps.setBoolean(6, p.emailOnError());
                Jdbc.setInstant(ps, 7, p.created());
                Jdbc.setInstant(ps, 8, p.lastModified());
                ps.executeUpdate();
                return true;
            } catch (SQLException e) {
                if (Jdbc.uniqueViolation(e)) return false;
                throw e;
            }
        });
    }

    @Override
    public boolean updatePool(WorkerPool p) {
        return jdbc.read("updateWorkerPool " + p.workerPoolId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE worker_pools SET provider_id = ?, description = ?, config = ?, owner = ?,"
                    + " email_on_error = ?, last_modified = ? WHERE worker_pool_id = ?")) {
                ps.setString(1, p.providerId());
                ps.setString(2, p.description());
                ps.setString(3, Json.write(p.config()));
                ps.setString(4, p.owner());
                ps.setBoolean(5, p.emailOnError());
                Jdbc.setInstant(ps, 6, p.lastModified());
                ps.setString(7, p.workerPoolId());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<WorkerPool> pool(String workerPoolId) {
        return jdbc.read("workerPool " + workerPoolId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + POOL_COLUMNS + " FROM worker_pools WHERE worker_pool_id = ?")) {
                ps.setString(1, workerPoolId);
                List<WorkerPool> rows = pools(ps);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
            }
        });
    }

    @Override
    public Page<WorkerPool> pools(String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("listWorkerPools", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + POOL_COLUMNS
                    + " FROM worker_pools WHERE worker_pool_id > ? ORDER BY worker_pool_id LIMIT ?")) {
                ps.setString(1, after);
                ps.setInt(2, limit + 1);
                List<WorkerPool> rows = pools(ps);
                if (rows.size() <= limit) return new Page<>(rows, null);
                List<WorkerPool> items = rows.subList(0, limit);
                return new Page<>(items, Jdbc.token(items.get(limit - 1).workerPoolId()));
            }
        });
    }

    @Override
    public boolean removeIfDrained(String workerPoolId) {
        // one statement: the check and the delete cannot be split by an update or a new worker; workers and errors
        // go with the pool (ON DELETE CASCADE)
        return jdbc.read("removeDrainedWorkerPool " + workerPoolId, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM worker_pools WHERE worker_pool_id = ? AND provider_id = ?"
                    + " AND NOT EXISTS (SELECT 1 FROM pool_workers w WHERE w.worker_pool_id = ? AND w.state <> ?)")) {
                ps.setString(1, workerPoolId);
                ps.setString(2, WorkerPoolService.NULL_PROVIDER);
                ps.setString(3, workerPoolId);
                ps.setString(4, WorkerState.STOPPED.wire());
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static List<WorkerPool> pools(PreparedStatement ps) throws SQLException {
        List<WorkerPool> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new WorkerPool(rs.getString("worker_pool_id"), rs.getString("provider_id"), rs.getString("description"),
                        Json.tree(rs.getString("config")), rs.getString("owner"), rs.getBoolean("email_on_error"),
                        Jdbc.getInstant(rs, "created"), Jdbc.getInstant(rs, "last_modified")));
            }
        }
        return out;
    }

    // ---- workers

    @Override
    public boolean createWorker(PoolWorker w) {
        return jdbc.read("createWorker " + w.workerPoolId(), c -> {
            try {
                insertWorker(c, w);
                return true;
            } catch (SQLException e) {
                if (Jdbc.uniqueViolation(e)) return false;
                throw e;
            }
        });
    }

    private static void insertWorker(java.sql.Connection c, PoolWorker w) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pool_workers (" + WORKER_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, w.workerPoolId());
            ps.setString(2, w.workerGroup());
            ps.setString(3, w.workerId());
            ps.setString(4, w.providerId());
            ps.setString(5, w.state().wire());
            ps.setInt(6, w.capacity());
            Jdbc.setInstant(ps, 7, w.created());
            Jdbc.setInstant(ps, 8, w.expires());
            Jdbc.setInstant(ps, 9, w.lastModified());
            Jdbc.setInstant(ps, 10, w.lastChecked());
            ps.setString(11, Json.write(w.providerData()));
            ps.executeUpdate();
        }
    }

    @Override
    public boolean createWorkerWithin(PoolWorker w, int maxCapacity) {
        return jdbc.inTransaction("createWorker " + w.workerPoolId(), c -> {
            // the pool's row is the lock: a second admission for the same pool waits here until this one commits
            try (PreparedStatement ps = c.prepareStatement("SELECT provider_id FROM worker_pools WHERE worker_pool_id = ? FOR UPDATE")) {
                ps.setString(1, w.workerPoolId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || WorkerPoolService.NULL_PROVIDER.equals(rs.getString("provider_id"))) return false;
                }
            }
            long live;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COALESCE(SUM(capacity), 0) AS cap FROM pool_workers WHERE worker_pool_id = ? AND state <> ?")) {
                ps.setString(1, w.workerPoolId());
                ps.setString(2, WorkerState.STOPPED.wire());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    live = rs.getLong("cap");
                }
            }
            if (live + w.capacity() > maxCapacity) return false;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pool_workers WHERE worker_pool_id = ? AND worker_group = ? AND worker_id = ?")) {
                ps.setString(1, w.workerPoolId());
                ps.setString(2, w.workerGroup());
                ps.setString(3, w.workerId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return false;
                }
            }
            insertWorker(c, w);
            return true;
        });
    }

    @Override
    public boolean updateWorker(PoolWorker w) {
        return jdbc.read("updateWorker " + w.workerPoolId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE pool_workers SET state = ?, capacity = ?, expires = ?, last_modified = ?,"
                    + " last_checked = ?, provider_data = ? WHERE worker_pool_id = ? AND worker_group = ? AND worker_id = ?")) {
                ps.setString(1, w.state().wire());
                ps.setInt(2, w.capacity());
                Jdbc.setInstant(ps, 3, w.expires());
                Jdbc.setInstant(ps, 4, w.lastModified());
                Jdbc.setInstant(ps, 5, w.lastChecked());
                ps.setString(6, Json.write(w.providerData()));
                ps.setString(7, w.workerPoolId());
                ps.setString(8, w.workerGroup());
                ps.setString(9, w.workerId());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<PoolWorker> worker(String workerPoolId, String workerGroup, String workerId) {
        return jdbc.read("worker " + workerPoolId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + WORKER_COLUMNS
                    + " FROM pool_workers WHERE worker_pool_id = ? AND worker_group = ? AND worker_id = ?")) {
                ps.setString(1, workerPoolId);
                ps.setString(2, workerGroup);
                ps.setString(3, workerId);
                List<PoolWorker> rows = workers(ps);
                return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
            }
        });
    }

    @Override
    public Page<PoolWorker> workers(String workerPoolId, String workerGroup, WorkerState state, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        int slash = after.indexOf('/');
        String afterGroup = slash < 0 ? after : after.substring(0, slash);
        String afterId = slash < 0 ? "" : after.substring(slash + 1);
        return jdbc.read("listWorkers " + workerPoolId, c -> {
            StringBuilder sql = new StringBuilder("SELECT " + WORKER_COLUMNS + " FROM pool_workers WHERE worker_pool_id = ?"
                    + " AND (worker_group > ? OR (worker_group = ? AND worker_id > ?))");
            if (workerGroup != null) sql.append(" AND worker_group = ?");
            if (state != null) sql.append(" AND state = ?");
            sql.append(" ORDER BY worker_group, worker_id LIMIT ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, workerPoolId);
                ps.setString(i++, afterGroup);
                ps.setString(i++, afterGroup);
                ps.setString(i++, afterId);
                if (workerGroup != null) ps.setString(i++, workerGroup);
                if (state != null) ps.setString(i++, state.wire());
                ps.setInt(i, limit + 1);
                List<PoolWorker> rows = workers(ps);
                if (rows.size() <= limit) return new Page<>(rows, null);
                List<PoolWorker> items = rows.subList(0, limit);
                PoolWorker last = items.get(limit - 1);
                return new Page<>(items, Jdbc.token(last.workerGroup() + "/" + last.workerId()));
            }
        });
    }

    @Override
    public PoolCounts counts(String workerPoolId) {
        return jdbc.read("workerPoolStats " + workerPoolId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT state, COUNT(*) AS n, SUM(capacity) AS cap FROM pool_workers"
                    + " WHERE worker_pool_id = ? GROUP BY state")) {
                ps.setString(1, workerPoolId);
                int[] n = new int[WorkerState.values().length];
                int[] cap = new int[n.length];
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        WorkerState s = WorkerState.fromWire(rs.getString("state"));
                        n[s.ordinal()] = rs.getInt("n");
                        cap[s.ordinal()] = rs.getInt("cap");
                    }
                }
                return new PoolCounts(n[0], n[1], n[2], n[3], cap[0], cap[1], cap[2], cap[3]);
            }
        });
    }

    @Override
    public int expireWorkers(Instant now) {
        return jdbc.read("expireWorkers", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM pool_workers WHERE state = ? AND expires <= ?")) {
                ps.setString(1, WorkerState.STOPPED.wire());
                Jdbc.setInstant(ps, 2, now);
                return ps.executeUpdate();
            }
        });
    }

    private static List<PoolWorker> workers(PreparedStatement ps) throws SQLException {
        List<PoolWorker> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new PoolWorker(rs.getString("worker_pool_id"), rs.getString("worker_group"), rs.getString("worker_id"),
                        rs.getString("provider_id"), WorkerState.fromWire(rs.getString("state")), rs.getInt("capacity"),
                        Jdbc.getInstant(rs, "created"), Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "last_modified"),
                        Jdbc.getInstant(rs, "last_checked"), Json.tree(rs.getString("provider_data"))));
            }
        }
        return out;
    }

    // ---- errors

    @Override
    public void addError(WorkerPoolError e) {
        jdbc.read("reportWorkerError " + e.workerPoolId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO worker_pool_errors (" + ERROR_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, e.errorId());
                ps.setString(2, e.workerPoolId());
                Jdbc.setInstant(ps, 3, e.reported());
                ps.setString(4, e.kind());
                ps.setString(5, e.title());
                ps.setString(6, e.description());
                ps.setString(7, Json.write(e.extra()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Page<WorkerPoolError> errors(String workerPoolId, String errorId, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        // newest first: the key is the last row's (reported, errorId), and the next page holds older ones
        Instant afterReported;
        String afterId;
        if (after.isEmpty()) {
            afterReported = null;
            afterId = null;
        } else {
            int slash = after.indexOf('/');
            try {
                afterReported = Instant.ofEpochMilli(Long.parseLong(after.substring(0, slash)));
            } catch (RuntimeException ex) {
                throw dev.berth.core.BerthException.input("continuationToken '" + continuationToken + "' is not valid");
            }
            afterId = after.substring(slash + 1);
        }
        return jdbc.read("listWorkerPoolErrors " + workerPoolId, c -> {
            StringBuilder sql = new StringBuilder("SELECT " + ERROR_COLUMNS + " FROM worker_pool_errors WHERE worker_pool_id = ?");
            if (errorId != null) sql.append(" AND error_id = ?");
            if (afterReported != null) sql.append(" AND (reported < ? OR (reported = ? AND error_id < ?))");
            sql.append(" ORDER BY reported DESC, error_id DESC LIMIT ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, workerPoolId);
                if (errorId != null) ps.setString(i++, errorId);
                if (afterReported != null) {
                    Jdbc.setInstant(ps, i++, afterReported);
                    Jdbc.setInstant(ps, i++, afterReported);
                    ps.setString(i++, afterId);
                }
                ps.setInt(i, limit + 1);
                List<WorkerPoolError> rows = errors(ps);
                if (rows.size() <= limit) return new Page<>(rows, null);
                List<WorkerPoolError> items = rows.subList(0, limit);
                WorkerPoolError last = items.get(limit - 1);
                return new Page<>(items, Jdbc.token(last.reported().toEpochMilli() + "/" + last.errorId()));
            }
        });
    }

    @Override
    public List<WorkerPoolError> errorsSince(String workerPoolId, Instant since) {
        return jdbc.read("workerPoolErrorStats", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ERROR_COLUMNS + " FROM worker_pool_errors WHERE reported >= ?"
                    + (workerPoolId != null ? " AND worker_pool_id = ?" : "") + " ORDER BY reported DESC, error_id DESC")) {
                Jdbc.setInstant(ps, 1, since);
                if (workerPoolId != null) ps.setString(2, workerPoolId);
                return errors(ps);
            }
        });
    }

    @Override
    public int expireErrors(Instant before) {
        return jdbc.read("expireWorkerPoolErrors", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM worker_pool_errors WHERE reported < ?")) {
                Jdbc.setInstant(ps, 1, before);
                return ps.executeUpdate();
            }
        });
    }

    private static List<WorkerPoolError> errors(PreparedStatement ps) throws SQLException {
        List<WorkerPoolError> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new WorkerPoolError(rs.getString("error_id"), rs.getString("worker_pool_id"), Jdbc.getInstant(rs, "reported"),
                        rs.getString("kind"), rs.getString("title"), rs.getString("description"), Json.tree(rs.getString("extra"))));
            }
        }
        return out;
    }
}
