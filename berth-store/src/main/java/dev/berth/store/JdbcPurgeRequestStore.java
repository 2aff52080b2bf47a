package dev.berth.store;

import dev.berth.core.purgecache.PurgeRequest;
import dev.berth.core.purgecache.PurgeRequestStore;
import dev.berth.core.store.Page;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link PurgeRequestStore} over plain JDBC; the same SQL serves PostgreSQL and H2. */
public final class JdbcPurgeRequestStore implements PurgeRequestStore {

    private static final String COLUMNS = "worker_pool_id, cache_name, before, expires";
    /** Separates pool and cache name in a continuation token's key: neither can hold it. */
    private static final char SEPARATOR = '\0';

    private final Jdbc jdbc;

    public JdbcPurgeRequestStore(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    @Override
    public void put(PurgeRequest r) {
        jdbc.inTransaction("purgeCache " + r.workerPoolId(), c -> {
            // update first: a renewed request is the common case; an insert that loses a race updates instead
            for (int attempt = 0; attempt < 2; attempt++) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE purge_requests SET before = ?, expires = ? WHERE worker_pool_id = ? AND cache_name = ?")) {
                    Jdbc.setInstant(ps, 1, r.before());
                    Jdbc.setInstant(ps, 2, r.expires());
                    ps.setString(3, r.workerPoolId());
                    ps.setString(4, r.cacheName());
                    if (ps.executeUpdate() > 0) return null;
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO purge_requests (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, r.workerPoolId());
                    ps.setString(2, r.cacheName());
                    Jdbc.setInstant(ps, 3, r.before());
                    Jdbc.setInstant(ps, 4, r.expires());
                    ps.executeUpdate();
                    return null;
                } catch (SQLException e) {
                    if (!Jdbc.uniqueViolation(e) || attempt == 1) throw e;
                }
            }
            return null;
        });
    }

    @Override
    public List<PurgeRequest> forPool(String workerPoolId, Instant now) {
        return jdbc.read("purgeRequests " + workerPoolId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM purge_requests WHERE worker_pool_id = ? AND expires > ? ORDER BY cache_name")) {
                ps.setString(1, workerPoolId);
                Jdbc.setInstant(ps, 2, now);
                return list(ps);
            }
        });
    }

    @Override
    public Page<PurgeRequest> all(Instant now, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        int cut = after.indexOf(SEPARATOR);
        String afterPool = cut < 0 ? after : after.substring(0, cut);
        String afterCache = cut < 0 ? "" : after.substring(cut + 1);
        return jdbc.read("allPurgeRequests", c -> {
            List<PurgeRequest> rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM purge_requests WHERE expires > ?"
                    + " AND (worker_pool_id > ? OR (worker_pool_id = ? AND cache_name > ?))"
                    + " ORDER BY worker_pool_id, cache_name LIMIT ?")) {
                Jdbc.setInstant(ps, 1, now);
                ps.setString(2, afterPool);
                ps.setString(3, afterPool);
                ps.setString(4, afterCache);
                ps.setInt(5, limit + 1);
                rows = list(ps);
            }
            if (rows.size() <= limit) return new Page<>(rows, null);
            List<PurgeRequest> items = rows.subList(0, limit);
            PurgeRequest last = items.get(limit - 1);
            return new Page<>(items, Jdbc.token(last.workerPoolId() + SEPARATOR + last.cacheName()));
        });
    }

    @Override
    public int expire(Instant now) {
        return jdbc.read("expirePurgeRequests", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM purge_requests WHERE expires <= ?")) {
                Jdbc.setInstant(ps, 1, now);
                return ps.executeUpdate();
            }
        });
    }

    private static List<PurgeRequest> list(PreparedStatement ps) throws SQLException {
        List<PurgeRequest> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new PurgeRequest(rs.getString("worker_pool_id"), rs.getString("cache_name"),
                        Jdbc.getInstant(rs, "before"), Jdbc.getInstant(rs, "expires")));
            }
        }
        return out;
    }
}
