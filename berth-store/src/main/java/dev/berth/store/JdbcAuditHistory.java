package dev.berth.store;

import dev.berth.core.audit.AuditEntry;
import dev.berth.core.audit.AuditHistory;
import dev.berth.core.store.Page;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@link AuditHistory} over the audit_history table; the same SQL serves PostgreSQL and H2. The stores that make
 * changes call {@link #record} on their own connection, inside the transaction of the change.
 */
public final class JdbcAuditHistory implements AuditHistory {

    private static final String COLUMNS = "id, entity_type, entity_id, client_id, action_type, created";

    private final Jdbc jdbc;

    JdbcAuditHistory(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    /** Writes {@code entry} on {@code c}: committed or rolled back with the caller's change. */
    static void record(Connection c, AuditEntry entry) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_history (entity_type, entity_id, client_id, action_type, created) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, entry.entityType());
            ps.setString(2, entry.entityId());
            ps.setString(3, entry.clientId());
            ps.setString(4, entry.action());
            Jdbc.setInstant(ps, 5, entry.created());
            ps.executeUpdate();
        }
    }

    @Override
    public Page<AuditEntry> ofEntity(String entityType, String entityId, String continuationToken, int limit) {
        return page("auditHistory " + entityType + " " + entityId, "entity_type = ? AND entity_id = ?",
                List.of(entityType, entityId), continuationToken, limit);
    }

    @Override
    public Page<AuditEntry> byClient(String clientId, String continuationToken, int limit) {
        return page("auditHistory by " + clientId, "client_id = ?", List.of(clientId), continuationToken, limit);
    }

    private Page<AuditEntry> page(String operation, String where, List<String> args, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        long after = afterId(continuationToken);
        return jdbc.read(operation, c -> {
            List<Long> ids = new ArrayList<>();
            List<AuditEntry> entries = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_history WHERE " + where
                    + " AND id > ? ORDER BY id LIMIT ?")) {
                int i = 1;
                for (String a : args) ps.setString(i++, a);
                ps.setLong(i++, after);
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong("id"));
                        entries.add(new AuditEntry(rs.getString("entity_type"), rs.getString("entity_id"),
                                rs.getString("client_id"), rs.getString("action_type"), Jdbc.getInstant(rs, "created")));
                    }
                }
            }
            if (entries.size() <= limit) return new Page<>(entries, null);
            return new Page<>(entries.subList(0, limit), Jdbc.token(Long.toString(ids.get(limit - 1))));
        });
    }

    /** The id after which a page starts: the token is the last id of the previous page, as a decimal string. */
    private static long afterId(String continuationToken) {
        String key = Jdbc.afterKey(continuationToken);
        if (key.isEmpty()) return 0;
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            throw dev.berth.core.BerthException.input("continuationToken '" + continuationToken + "' is not valid");
        }
    }
}
