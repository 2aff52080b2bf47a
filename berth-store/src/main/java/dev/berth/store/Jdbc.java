package dev.berth.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Transactions, retries and value conversions shared by the JDBC stores. */
final class Jdbc {

    private static final Logger LOG = LoggerFactory.getLogger(Jdbc.class);
    private static final int MAX_ATTEMPTS = 5;

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;

    Jdbc(DataSource dataSource) { this.dataSource = dataSource; }

    /**
     * Runs {@code work} in one transaction and commits. Deadlocks and serialization failures are retried from
     * the start: the work (including any transition function) is pure up to its writes, so re-running is safe.
     * Runtime exceptions roll back and propagate unchanged.
     */
    <T> T inTransaction(String operation, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException | Error e) {
                    rollbackQuietly(c, e);
                    throw e;
                }
            } catch (SQLException e) {
                if (attempt < MAX_ATTEMPTS && retryable(e)) {
                    LOG.debug("{} hit {} (attempt {}), retrying", operation, e.getSQLState(), attempt);
                    continue;
                }
                throw new StoreException(operation, e);
            }
        }
    }

    /** Runs a read, or a write that is one statement, in autocommit mode: no BEGIN/COMMIT round trips. */
    <T> T read(String operation, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
    }

    /**
     * Runs {@code work} in autocommit mode, again from the start after a deadlock or serialization failure (as
     * {@link #inTransaction} does): for work whose every write is one statement that either took effect or,
     * failing so, did not.
     */
    <T> T autocommit(String operation, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (attempt < MAX_ATTEMPTS && retryable(e)) {
                    LOG.debug("{} hit {} (attempt {}), retrying", operation, e.getSQLState(), attempt);
                    continue;
                }
                throw new StoreException(operation, e);
            }
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Deadlock (40P01), serialization failure (40001), and H2's lock timeout / deadlock (HYT00, 40001). */
    static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.equals("40P01") || state.equals("40001")) return true;
            }
        }
        return false;
    }

    static boolean uniqueViolation(SQLException e) { return "23505".equals(e.getSQLState()); }

    static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    static Instant getInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** Continuation tokens are the last key returned, base64url: opaque to clients, stable across servers. */
    static String token(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
    }

    /** The key after which the next page starts; "" (before every key) when there is no token. */
    static String afterKey(String continuationToken) {
        if (continuationToken == null || continuationToken.isEmpty()) return "";
        try {
            return new String(Base64.getUrlDecoder().decode(continuationToken), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw dev.berth.core.BerthException.input("continuationToken '" + continuationToken + "' is not valid");
        }
    }

    static void requireLimit(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }

    /** Escapes LIKE wildcards so a prefix matches literally (escape character '\'). */
    static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
