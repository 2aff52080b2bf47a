package dev.berth.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.index.IndexNamespace;
import dev.berth.core.index.IndexPath;
import dev.berth.core.index.IndexStore;
import dev.berth.core.index.IndexedTask;
import dev.berth.core.json.Json;
import dev.berth.core.store.Page;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The index on PostgreSQL or H2: tables indexed_tasks and index_namespaces (migration V7). */
final class JdbcIndexStore implements IndexStore {

    private static final String TASK_COLUMNS = "namespace, name, task_id, task_rank, data, expires";
    /** Rows of one namespace's children are fetched in slices of this many paths in findAll. */
    private static final int FIND_SLICE = 100;

    /** A transaction that lost the race to insert a row someone else inserted first: run it again. */
    private static final class InsertRace extends RuntimeException {
        InsertRace() { super(null, null, false, false); }
    }

    private final Jdbc jdbc;

    JdbcIndexStore(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
    }

    @Override
    public IndexedTask insert(IndexedTask candidate, Instant namespaceExpires, Instant now) {
        IndexPath path = candidate.path();
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbc.inTransaction("index insert " + path.full(), c -> {
                    // outermost first, as every insert does, so two inserts never wait on each other in a circle
                    for (IndexPath ns : path.ancestors()) ensureNamespace(c, ns, namespaceExpires);
                    Optional<IndexedTask> stored = select(c, path, true);
                    if (stored.isEmpty()) {
                        write(c, "INSERT INTO indexed_tasks (task_id, task_rank, data, expires, namespace, name) VALUES (?, ?, ?, ?, ?, ?)",
                                candidate);
                        return candidate;
                    }
                    IndexedTask kept = stored.get();
                    if (kept.rank() > candidate.rank() && kept.expires().isAfter(now)) return kept;
                    write(c, "UPDATE indexed_tasks SET task_id = ?, task_rank = ?, data = ?, expires = ? WHERE namespace = ? AND name = ?",
                            candidate);
                    return candidate;
                });
            } catch (InsertRace race) {
                if (attempt >= 3) throw new IllegalStateException("index path " + path.full() + " kept changing under the insert");
            }
        }
    }

    /** Makes the namespace exist with at least {@code expires}; the usual case (it does) is one unlocked read. */
    private static void ensureNamespace(Connection c, IndexPath ns, Instant expires) throws SQLException {
        Instant current = null;
        boolean exists = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT expires FROM index_namespaces WHERE parent = ? AND name = ?")) {
            ps.setString(1, ns.parent());
            ps.setString(2, ns.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    exists = true;
                    current = Jdbc.getInstant(rs, "expires");
                }
            }
        }
        if (exists) {
            if (current.isBefore(expires)) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE index_namespaces SET expires = ? WHERE parent = ? AND name = ? AND expires < ?")) {
                    Jdbc.setInstant(ps, 1, expires);
                    ps.setString(2, ns.parent());
                    ps.setString(3, ns.name());
                    Jdbc.setInstant(ps, 4, expires);
                    ps.executeUpdate();
                }
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO index_namespaces (parent, name, expires) VALUES (?, ?, ?)")) {
            ps.setString(1, ns.parent());
            ps.setString(2, ns.name());
            Jdbc.setInstant(ps, 3, expires);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (Jdbc.uniqueViolation(e)) throw new InsertRace();
            throw e;
        }
    }

    private static void write(Connection c, String sql, IndexedTask t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, t.taskId());
            ps.setLong(2, t.rank());
            ps.setString(3, Json.write(t.data()));
            Jdbc.setInstant(ps, 4, t.expires());
            ps.setString(5, t.path().parent());
            ps.setString(6, t.path().name());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (Jdbc.uniqueViolation(e)) throw new InsertRace();
            throw e;
        }
    }

    private static Optional<IndexedTask> select(Connection c, IndexPath path, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + TASK_COLUMNS
                + " FROM indexed_tasks WHERE namespace = ? AND name = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, path.parent());
            ps.setString(2, path.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(task(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<IndexedTask> find(IndexPath path, Instant now) {
        return jdbc.read("index find " + path.full(), c -> select(c, path, false)).filter(t -> t.expires().isAfter(now));
    }

    @Override
    public List<IndexedTask> findAll(List<IndexPath> paths, Instant now) {
        Map<IndexPath, IndexedTask> found = new HashMap<>();
        for (int from = 0; from < paths.size(); from += FIND_SLICE) {
            List<IndexPath> slice = paths.subList(from, Math.min(paths.size(), from + FIND_SLICE));
            StringBuilder sql = new StringBuilder("SELECT " + TASK_COLUMNS + " FROM indexed_tasks WHERE expires > ? AND (");
            for (int i = 0; i < slice.size(); i++) sql.append(i == 0 ? "" : " OR ").append("(namespace = ? AND name = ?)");
            sql.append(')');
            jdbc.read("index findAll", c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    int i = 1;
                    Jdbc.setInstant(ps, i++, now);
                    for (IndexPath p : slice) {
                        ps.setString(i++, p.parent());
                        ps.setString(i++, p.name());
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            IndexedTask t = task(rs);
                            found.put(t.path(), t);
                        }
                    }
                }
                return null;
            });
        }
        List<IndexedTask> out = new ArrayList<>();
        for (IndexPath p : paths) {
            IndexedTask t = found.get(p);
            if (t != null) out.add(t);
        }
        return out;
    }

    @Override
    public Page<IndexedTask> tasksIn(String namespace, String continuationToken, int limit, Instant now) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("index tasksIn " + namespace, c -> {
            List<IndexedTask> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TASK_COLUMNS
                    + " FROM indexed_tasks WHERE namespace = ? AND name > ? AND expires > ? ORDER BY name LIMIT ?")) {
                ps.setString(1, namespace);
                ps.setString(2, after);
                Jdbc.setInstant(ps, 3, now);
                ps.setInt(4, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) list.add(task(rs));
                }
            }
            if (list.size() <= limit) return new Page<>(list, null);
            List<IndexedTask> items = list.subList(0, limit);
            return new Page<>(items, Jdbc.token(items.get(limit - 1).path().name()));
        });
    }

    @Override
    public Page<IndexNamespace> namespacesIn(String namespace, String continuationToken, int limit, Instant now) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("index namespacesIn " + namespace, c -> {
            List<IndexNamespace> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT parent, name, expires FROM index_namespaces"
                    + " WHERE parent = ? AND name > ? AND expires > ? ORDER BY name LIMIT ?")) {
                ps.setString(1, namespace);
                ps.setString(2, after);
                Jdbc.setInstant(ps, 3, now);
                ps.setInt(4, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(new IndexNamespace(new IndexPath(rs.getString("parent"), rs.getString("name")),
                                Jdbc.getInstant(rs, "expires")));
                    }
                }
            }
            if (list.size() <= limit) return new Page<>(list, null);
            List<IndexNamespace> items = list.subList(0, limit);
            return new Page<>(items, Jdbc.token(items.get(limit - 1).path().name()));
        });
    }

    @Override
    public boolean delete(IndexPath path) {
        return jdbc.read("index delete " + path.full(), c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM indexed_tasks WHERE namespace = ? AND name = ?")) {
                ps.setString(1, path.parent());
                ps.setString(2, path.name());
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int deleteExpired(Instant now) {
        int deleted = 0;
        for (String table : List.of("indexed_tasks", "index_namespaces")) {
            deleted += jdbc.read("index deleteExpired " + table, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE expires < ?")) {
                    Jdbc.setInstant(ps, 1, now);
                    return ps.executeUpdate();
                }
            });
        }
        return deleted;
    }

    private static IndexedTask task(ResultSet rs) throws SQLException {
        JsonNode data = Json.tree(rs.getString("data"));
        return new IndexedTask(new IndexPath(rs.getString("namespace"), rs.getString("name")), rs.getString("task_id"),
                rs.getLong("task_rank"), data instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode(),
                Jdbc.getInstant(rs, "expires"));
    }
}
