package dev.berth.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Starting servers (H2 or a fresh PostgreSQL database) for integration tests. */
public final class ItSupport {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/berth_test?user=berth&password=berth";

    private ItSupport() {}

    public static String testDatabaseUrl() {
        String url = System.getenv("BERTH_TEST_DATABASE_URL");
        return url == null || url.isBlank() ? DEFAULT_PG_URL : url;
    }

    /** A running server; closing it stops the server and drops its PostgreSQL database, if it made one. */
    record Running(BerthServer server, PostgresDatabase database) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            server.close();
            if (database != null) database.close();
        }
    }

    static Running h2Server() throws Exception {
        return new Running(start(null), null);
    }

    /** A server on a fresh database made on the test PostgreSQL server; fails (never skips) when it is unreachable. */
    static Running postgresServer() throws Exception {
        PostgresDatabase db = PostgresDatabase.create();
        return new Running(start(db.url()), db);
    }

    /** A fresh database of its own on the test PostgreSQL server; closing it drops it. */
    public record PostgresDatabase(String name, String url) implements AutoCloseable {

        /** Fails (never skips) when the test PostgreSQL server is unreachable. */
        public static PostgresDatabase create() {
            String base = testDatabaseUrl();
            String name = "berth_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new AssertionError("PostgreSQL is not reachable at " + base.replaceAll("password=[^&]*", "password=***")
                        + " (run scripts/postgres.sh, or set BERTH_TEST_DATABASE_URL): " + e.getMessage(), e);
            }
            return new PostgresDatabase(name, base.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name));
        }

        /**
         * Drops the database, ending its connections. An autovacuum worker in it can make the drop fail
         * for lack of privilege when the role was not granted pg_signal_backend; such a worker ends within
         * seconds, so the drop is tried again for a while before the failure is reported.
         */
        @Override
        public void close() throws SQLException {
            long giveUpAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try (Connection c = DriverManager.getConnection(testDatabaseUrl()); Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                    return;
                } catch (SQLException e) {
                    if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState()) || System.nanoTime() > giveUpAt) throw e;
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    private static BerthServer start(String databaseUrl) throws Exception {
        Path dataDir = Files.createTempDirectory("berth-it");
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_PORT", "0");
        env.put("BERTH_DATA_DIR", dataDir.toString());
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        if (databaseUrl != null) env.put("BERTH_DATABASE_URL", databaseUrl);
        return BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
    }

    static ObjectNode taskBody(String taskQueueId) {
        return TaskBodies.on(taskQueueId).build();
    }
}
