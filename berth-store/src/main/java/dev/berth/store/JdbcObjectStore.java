package dev.berth.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.core.json.Json;
import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link ObjectStore} over plain JDBC; the same SQL serves PostgreSQL and H2. */
public final class JdbcObjectStore implements ObjectStore {

    private static final TypeReference<Map<String, String>> HASHES = new TypeReference<>() {};
    private static final String COLUMNS = "name, project_id, upload_id, finished, expires, upload_expires, blob_key,"
            + " content_type, size_bytes, hashes, created";

    private final Jdbc jdbc;

    public JdbcObjectStore(DataSource dataSource) { this.jdbc = new Jdbc(dataSource); }

    @Override
    public ObjectRecord insertIfAbsent(ObjectRecord object) {
        // a lost race (a concurrent insert of the same name) is seen as the other's row on the next round
        for (int round = 0; round < 3; round++) {
            Optional<ObjectRecord> existing = find(object.name());
            if (existing.isPresent()) return existing.get();
            boolean inserted = jdbc.read("insertObject", c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO objects (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bind(ps, object);
                    ps.executeUpdate();
                    return true;
                } catch (SQLException e) {
                    if (Jdbc.uniqueViolation(e)) return false;
                    throw e;
                }
            });
            if (inserted) return object;
            Optional<ObjectRecord> sameUpload = one("findObjectByUploadId", "upload_id", object.uploadId());
            if (sameUpload.isPresent() && !sameUpload.get().name().equals(object.name())) return sameUpload.get();
        }
        return find(object.name()).orElseThrow(() -> new IllegalStateException("object " + object.name() + " neither inserted nor found"));
    }

    @Override
    public Optional<ObjectRecord> find(String name) {
        return one("findObject", "name", name);
    }

    @Override
    public boolean updateUnfinished(ObjectRecord o) {
        return jdbc.read("updateObject", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE objects SET finished = ?, content_type = ?, size_bytes = ?,"
                    + " hashes = ? WHERE name = ? AND upload_id = ? AND finished = FALSE")) {
                ps.setBoolean(1, o.finished());
                ps.setString(2, o.contentType());
                ps.setLong(3, o.size());
                ps.setString(4, Json.write(o.hashes()));
                ps.setString(5, o.name());
                ps.setString(6, o.uploadId());
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<ObjectRecord> expired(Instant now, int limit) {
        Jdbc.requireLimit(limit);
        return jdbc.read("expiredObjects", c -> {
            List<ObjectRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM objects WHERE expires < ?"
                    + " OR (finished = FALSE AND upload_expires < ?) ORDER BY name LIMIT ?")) {
                Jdbc.setInstant(ps, 1, now);
                Jdbc.setInstant(ps, 2, now);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(object(rs));
                }
            }
            return out;
        });
    }

    @Override
    public boolean delete(String name, String uploadId) {
        return jdbc.read("deleteObject", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM objects WHERE name = ? AND upload_id = ?")) {
                ps.setString(1, name);
                ps.setString(2, uploadId);
                return ps.executeUpdate() > 0;
            }
        });
    }

    private Optional<ObjectRecord> one(String operation, String column, String value) {
        return jdbc.read(operation, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM objects WHERE " + column + " = ?")) {
                ps.setString(1, value);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(object(rs)) : Optional.empty();
                }
            }
        });
    }

    private static void bind(PreparedStatement ps, ObjectRecord o) throws SQLException {
        ps.setString(1, o.name());
        ps.setString(2, o.projectId());
        ps.setString(3, o.uploadId());
        ps.setBoolean(4, o.finished());
        Jdbc.setInstant(ps, 5, o.expires());
        Jdbc.setInstant(ps, 6, o.uploadExpires());
        ps.setString(7, o.blobKey());
        if (o.contentType() == null) ps.setNull(8, Types.VARCHAR); else ps.setString(8, o.contentType());
        ps.setLong(9, o.size());
        ps.setString(10, Json.write(o.hashes()));
        Jdbc.setInstant(ps, 11, o.created());
    }

    private static ObjectRecord object(ResultSet rs) throws SQLException {
        Map<String, String> hashes;
        try {
            hashes = Json.MAPPER.readValue(rs.getString("hashes"), HASHES);
        } catch (java.io.IOException e) {
            throw new SQLException("objects.hashes of " + rs.getString("name") + " is not a JSON object", e);
        }
        return new ObjectRecord(rs.getString("name"), rs.getString("project_id"), rs.getString("upload_id"),
                rs.getBoolean("finished"), Jdbc.getInstant(rs, "expires"), Jdbc.getInstant(rs, "upload_expires"),
                rs.getString("blob_key"), rs.getString("content_type"), rs.getLong("size_bytes"), hashes,
                Jdbc.getInstant(rs, "created"));
    }
}
