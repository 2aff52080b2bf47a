package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import dev.berth.core.store.TaskRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * H2 (embedded, one process): its SKIP LOCKED cannot share a queue between claimers, so claims take turns in
 * this process and read the queue head without locks. The entries are deleted only after their tasks are
 * locked, the order a modify takes them in, so claims and modifies cannot deadlock.
 */
final class H2Customization implements DatabaseCustomization {

    /** Options added unless the URL sets them: keep the database open until we close it, wait on locks. */
    private static final String[][] URL_DEFAULTS = {{"DB_CLOSE_ON_EXIT", "FALSE"}, {"LOCK_TIMEOUT", "10000"}};

    private final ReentrantLock claimLock = new ReentrantLock(true);

    @Override
    public String connectionUrl(String configuredUrl) { return withDefaults(configuredUrl); }

    static String withDefaults(String url) {
        StringBuilder sb = new StringBuilder(url);
        String upper = url.toUpperCase();
        for (String[] option : URL_DEFAULTS) {
            if (!upper.contains(";" + option[0] + "=")) sb.append(';').append(option[0]).append('=').append(option[1]);
        }
        return sb.toString();
    }

    @Override
    public void configurePool(HikariConfig config, String user) {
        if (user == null) config.setUsername("sa");
        // H2 runs in this process; more connections only add lock contention.
        config.setMaximumPoolSize(8);
    }

    @Override
    public String insertTaskSql() { return TaskRows.INSERT_TASK; }

    @Override
    public String insertDependencySql() {
        return "MERGE INTO dependencies (required_task_id, dependent_task_id) KEY (required_task_id, dependent_task_id)"
                + " VALUES (?, ?)";
    }

    @Override
    public void upsertPending(Connection c, String taskId, int runId, String taskQueueId, int priority,
                              String instanceId) throws SQLException {
        // A new run replaces whatever entry the task had, and goes to the back of its priority.
        try (PreparedStatement ps = c.prepareStatement("MERGE INTO pending (task_id, run_id, task_queue_id,"
                + " priority, seq) KEY (task_id) VALUES (?, ?, ?, ?, NEXT VALUE FOR pending_seq)")) {
            ps.setString(1, taskId);
            ps.setInt(2, runId);
            ps.setString(3, taskQueueId);
            ps.setInt(4, priority);
            ps.executeUpdate();
        }
    }

    @Override
    public <T> T serialiseClaims(Supplier<T> claim) {
        claimLock.lock();
        try {
            return claim.get();
        } finally {
            claimLock.unlock();
        }
    }

    @Override
    public List<QueueEntry> takeEntries(Connection c, String taskQueueId, int max, Map<String, TaskRecord> lockedTasks)
            throws SQLException {
        List<QueueEntry> candidates = new ArrayList<>(max);
        try (PreparedStatement ps = c.prepareStatement("SELECT task_id, run_id, priority, seq FROM pending"
                + " WHERE task_queue_id = ? ORDER BY priority DESC, seq LIMIT ?")) {
            ps.setString(1, taskQueueId);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    candidates.add(new QueueEntry(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getLong(4)));
                }
            }
        }
        return candidates;
    }

    @Override
    public boolean takeDeletesEntries() { return false; }
}
