package dev.berth.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.core.audit.AuditEntry;
import dev.berth.core.json.Json;
import dev.berth.core.store.AuthStore;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.RoleRecord;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link AuthStore} over plain JDBC; the same SQL serves PostgreSQL and H2. Scopes are stored as a JSON array.
 * Each write records its audit entry ({@link JdbcAuditHistory#record}) in the transaction of the change.
 */
public final class JdbcAuthStore implements AuthStore {

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final String CLIENT_COLUMNS = "client_id, description, sealed_access_token, scopes, created,"
            + " last_modified, last_date_used, last_rotated, expires, disabled, delete_on_expiration";
    private static final String ROLE_COLUMNS = "role_id, description, scopes, created, last_modified";

    private final Jdbc jdbc;

    public JdbcAuthStore(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    @Override
    public boolean insertClient(ClientRecord client, AuditEntry audit) {
        return jdbc.inTransaction("insertClient " + client.clientId(), c -> {
            if (exists(c, "SELECT 1 FROM clients WHERE client_id = ?", client.clientId())) return false;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO clients (" + CLIENT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, client.clientId());
                bindClientFields(ps, client, 2);
                ps.executeUpdate();
            } catch (SQLException e) {
                // Lost a race with a concurrent insert of the same id.
                if (Jdbc.uniqueViolation(e)) return false;
                throw e;
            }
            JdbcAuditHistory.record(c, audit);
            return true;
        });
    }

    @Override
    public Optional<ClientRecord> findClient(String clientId) {
        return jdbc.read("findClient " + clientId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + CLIENT_COLUMNS + " FROM clients WHERE client_id = ?")) {
                ps.setString(1, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(client(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean updateClient(ClientRecord client, AuditEntry audit) {
        return jdbc.inTransaction("updateClient " + client.clientId(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE clients SET description = ?, sealed_access_token = ?,"
                    + " scopes = ?, created = ?, last_modified = ?, last_date_used = ?, last_rotated = ?, expires = ?,"
                    + " disabled = ?, delete_on_expiration = ? WHERE client_id = ?")) {
                bindClientFields(ps, client, 1);
                ps.setString(11, client.clientId());
                return ps.executeUpdate() > 0 && recorded(c, audit);
            }
        });
    }

    @Override
    public boolean deleteClient(String clientId, AuditEntry audit) {
        return delete("deleteClient", "DELETE FROM clients WHERE client_id = ?", clientId, audit);
    }

    @Override
    public Page<ClientRecord> clients(String prefix, String continuationToken, int limit) {
        Jdbc.requireLimit(limit);
        String after = Jdbc.afterKey(continuationToken);
        return jdbc.read("clients", c -> {
            List<ClientRecord> list = new ArrayList<>();
            String sql = "SELECT " + CLIENT_COLUMNS + " FROM clients WHERE client_id > ?"
                    + (prefix == null || prefix.isEmpty() ? "" : " AND client_id LIKE ? ESCAPE '\\'")
                    + " ORDER BY client_id LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, after);
                if (prefix != null && !prefix.isEmpty()) ps.setString(i++, Jdbc.likePrefix(prefix));
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) list.add(client(rs));
                }
            }
            if (list.size() <= limit) return new Page<>(list, null);
            List<ClientRecord> items = list.subList(0, limit);
            return new Page<>(items, Jdbc.token(items.get(limit - 1).clientId()));
        });
    }

    @Override
    public boolean insertRole(RoleRecord role, AuditEntry audit) {
        return jdbc.inTransaction("insertRole " + role.roleId(), c -> {
            if (exists(c, "SELECT 1 FROM roles WHERE role_id = ?", role.roleId())) return false;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO roles (" + ROLE_COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, role.roleId());
                ps.setString(2, role.description());
                ps.setString(3, Json.write(role.scopes()));
                Jdbc.setInstant(ps, 4, role.created());
                Jdbc.setInstant(ps, 5, role.lastModified());
                ps.executeUpdate();
            } catch (SQLException e) {
                if (Jdbc.uniqueViolation(e)) return false;
                throw e;
            }
            JdbcAuditHistory.record(c, audit);
            return true;
        });
    }

    @Override
    public Optional<RoleRecord> findRole(String roleId) {
        return jdbc.read("findRole " + roleId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ROLE_COLUMNS + " FROM roles WHERE role_id = ?")) {
                ps.setString(1, roleId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(role(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean updateRole(RoleRecord role, AuditEntry audit) {
        return jdbc.inTransaction("updateRole " + role.roleId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE roles SET description = ?, scopes = ?, created = ?, last_modified = ? WHERE role_id = ?")) {
                ps.setString(1, role.description());
                ps.setString(2, Json.write(role.scopes()));
                Jdbc.setInstant(ps, 3, role.created());
                Jdbc.setInstant(ps, 4, role.lastModified());
                ps.setString(5, role.roleId());
                return ps.executeUpdate() > 0 && recorded(c, audit);
            }
        });
    }

    @Override
    public boolean deleteRole(String roleId, AuditEntry audit) {
        return delete("deleteRole", "DELETE FROM roles WHERE role_id = ?", roleId, audit);
    }

    @Override
    public List<RoleRecord> allRoles() {
        return jdbc.read("allRoles", c -> {
            List<RoleRecord> roles = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ROLE_COLUMNS + " FROM roles ORDER BY role_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) roles.add(role(rs));
            }
            return roles;
        });
    }

    private boolean delete(String operation, String sql, String id, AuditEntry audit) {
        return jdbc.inTransaction(operation + " " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0 && recorded(c, audit);
            }
        });
    }

    /** Records a change that was made; true, so it reads as the last step of a successful write. */
    private static boolean recorded(java.sql.Connection c, AuditEntry audit) throws SQLException {
        JdbcAuditHistory.record(c, audit);
        return true;
    }

    private static boolean exists(java.sql.Connection c, String sql, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Binds every client column but the id, starting at parameter {@code first}. */
    private static void bindClientFields(PreparedStatement ps, ClientRecord client, int first) throws SQLException {
        int i = first;
        ps.setString(i++, client.description());
        ps.setString(i++, client.sealedAccessToken());
        ps.setString(i++, Json.write(client.scopes()));
        Jdbc.setInstant(ps, i++, client.created());
        Jdbc.setInstant(ps, i++, client.lastModified());
        Jdbc.setInstant(ps, i++, client.lastDateUsed());
        Jdbc.setInstant(ps, i++, client.lastRotated());
        Jdbc.setInstant(ps, i++, client.expires());
        ps.setBoolean(i++, client.disabled());
        ps.setBoolean(i, client.deleteOnExpiration());
    }

    private static ClientRecord client(ResultSet rs) throws SQLException {
        return new ClientRecord(rs.getString("client_id"), rs.getString("description"),
                rs.getString("sealed_access_token"), scopes(rs.getString("scopes")), Jdbc.getInstant(rs, "created"),
                Jdbc.getInstant(rs, "last_modified"), Jdbc.getInstant(rs, "last_date_used"),
                Jdbc.getInstant(rs, "last_rotated"), Jdbc.getInstant(rs, "expires"), rs.getBoolean("disabled"),
                rs.getBoolean("delete_on_expiration"));
    }

    private static RoleRecord role(ResultSet rs) throws SQLException {
        return new RoleRecord(rs.getString("role_id"), rs.getString("description"), scopes(rs.getString("scopes")),
                Jdbc.getInstant(rs, "created"), Jdbc.getInstant(rs, "last_modified"));
    }

    private static List<String> scopes(String json) {
        try {
            return Json.MAPPER.readValue(json, STRINGS);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("stored scopes do not parse: " + e.getOriginalMessage(), e);
        }
    }
}
