package dev.berth.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * The bad-request table against a server on PostgreSQL (in a schema of its own, dropped afterwards): the
 * database refuses what H2 accepts (over-long ids, NUL characters), and none of that may surface as a 5xx.
 */
class BadRequestTablePostgresIT extends BadRequestTableApiTest {

    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/berth_test?user=berth&password=berth";

    private final String baseUrl = System.getenv().getOrDefault("BERTH_TEST_DATABASE_URL", DEFAULT_URL);
    private final String schema = "berth_bad_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected Map<String, String> env() {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL for the integration tests is not reachable (run scripts/postgres.sh): "
                    + e.getMessage(), e);
        }
        return Map.of("BERTH_DATABASE_URL", baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    }

    @Override
    @AfterAll
    void stopServer() throws Exception {
        super.stopServer();
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
