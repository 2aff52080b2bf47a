package dev.berth.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A private schema in the test PostgreSQL database, dropped on close, so test classes (and parallel builds
 * on the same server) never see each other's rows. The server comes from {@code BERTH_TEST_DATABASE_URL};
 * scripts/postgres.sh sets up the default one.
 */
final class PostgresDatabase implements AutoCloseable {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/berth_test?user=berth&password=berth";

    private final String baseUrl;
    private final String schema;

    private PostgresDatabase(String baseUrl, String schema) {
        this.baseUrl = baseUrl;
        this.schema = schema;
    }

    static PostgresDatabase create() {
        String env = System.getenv("BERTH_TEST_DATABASE_URL");
        String url = env == null || env.isBlank() ? DEFAULT_URL : env;
        String schema = "berth_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL for the integration tests is not reachable at "
                    + Storage.redact(url) + " (" + e.getMessage() + "). Run scripts/postgres.sh as root, or point"
                    + " BERTH_TEST_DATABASE_URL at a server where the user may create schemas.", e);
        }
        return new PostgresDatabase(url, schema);
    }

    /** The base URL with this schema as the connection's current schema. */
    String url() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
