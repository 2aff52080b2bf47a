package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.core.audit.AuditHistory;
import dev.berth.core.index.IndexStore;
import dev.berth.core.store.AuthStore;
import dev.berth.core.store.TaskStore;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The opened database: a migrated schema, a connection pool and the stores over it. Close it to stop the
 * LISTEN thread and the pool.
 */
public final class Storage implements AutoCloseable {

    private final Dialect dialect;
    private final HikariDataSource dataSource;
    private final JdbcTaskStore tasks;
    private final JdbcAuthStore auth;
    private final JdbcAuditHistory audit;
    private final JdbcIndexStore index;
    private final JdbcObjectStore objects;
    private final JdbcWorkerStore workers;

    private Storage(Dialect dialect, HikariDataSource dataSource, JdbcTaskStore tasks, JdbcAuthStore auth) {
        this.dialect = dialect;
        this.dataSource = dataSource;
        this.tasks = tasks;
        this.auth = auth;
        this.audit = new JdbcAuditHistory(dataSource);
        this.index = new JdbcIndexStore(dataSource);
        this.objects = new JdbcObjectStore(dataSource);
        this.workers = new JdbcWorkerStore(dataSource);
    }

    /**
     * Opens {@code jdbcUrl} ({@code jdbc:postgresql://...} or {@code jdbc:h2:file:...}) and migrates its schema.
     * {@code user} and {@code password} may be null, e.g. when a PostgreSQL URL carries them as query parameters.
     */
    public static Storage open(String jdbcUrl, String user, String password) {
        Dialect dialect = Dialect.of(jdbcUrl);
        DatabaseCustomization db = dialect.customization();
        String url = db.connectionUrl(jdbcUrl);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("berth-" + dialect.name().toLowerCase());
        if (user != null) config.setUsername(user);
        if (password != null) config.setPassword(password);
        config.setConnectionTimeout(10_000);
        db.configurePool(config, user);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to " + redact(url) + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/" + dialect.migrations)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            dataSource.close();
            throw new IllegalStateException("cannot migrate the schema of " + redact(url) + ": " + e.getMessage(), e);
        }
        JdbcTaskStore tasks = new JdbcTaskStore(dataSource, db);
        PgNotifier notifier = db.notifier(url, user, password, tasks);
        if (notifier != null) tasks.attachNotifier(notifier);
        return new Storage(dialect, dataSource, tasks, new JdbcAuthStore(dataSource));
    }

    public TaskStore tasks() { return tasks; }

    public AuthStore auth() { return auth; }

    /** The audit entries the auth store writes with each change. */
    public AuditHistory audit() { return audit; }

    public IndexStore index() { return index; }

    public dev.berth.core.object.ObjectStore objects() { return objects; }

    /** Task queues, provisioners and workers. */
    public dev.berth.core.workers.WorkerStore workers() { return workers; }

    /** The purge-cache service's requests, over the same pool. */
    public dev.berth.core.purgecache.PurgeRequestStore purgeRequests() { return new JdbcPurgeRequestStore(dataSource); }

    /** Worker pools, their workers and errors (worker-manager), over the same pool. */
    public dev.berth.core.pools.WorkerPoolStore workerPools() { return new JdbcWorkerPoolStore(dataSource); }

    public DataSource dataSource() { return dataSource; }

    public Dialect dialect() { return dialect; }

    @Override
    public void close() {
        tasks.close();
        dataSource.close();
    }

    /** Hides a password given in the URL query. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }
}
