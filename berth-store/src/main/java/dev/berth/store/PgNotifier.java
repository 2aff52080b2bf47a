package dev.berth.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one LISTEN connection outside the pool and hands every {@code berth_pending} notification raised by
 * another store instance to {@code dispatch}. Payloads are {@code "<instanceId> <taskQueueId>"}: this
 * instance's own notifications are skipped because it already told its listeners right after commit.
 *
 * <p>Notifications sent while the connection is down are lost; long-poll callers wake on their own timeout
 * anyway, so a reconnect only costs latency.
 */
final class PgNotifier implements AutoCloseable {

    static final String CHANNEL = "berth_pending";
    private static final Logger LOG = LoggerFactory.getLogger(PgNotifier.class);
    private static final int POLL_MILLIS = 500;

    private final String jdbcUrl;
    private final Properties connectionProperties;
    private final String instanceId;
    private final Consumer<String> dispatch;
    private volatile boolean closed;
    private Thread thread;

    PgNotifier(String jdbcUrl, Properties connectionProperties, String instanceId, Consumer<String> dispatch) {
        this.jdbcUrl = jdbcUrl;
        this.connectionProperties = connectionProperties;
        this.instanceId = instanceId;
        this.dispatch = dispatch;
    }

    synchronized void start() {
        if (thread != null || closed) return;
        thread = new Thread(this::run, "berth-pg-listen");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long backoffMillis = 100;
        while (!closed) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, connectionProperties)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                backoffMillis = 100;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications == null) continue;
                    for (PGNotification n : notifications) deliver(n.getParameter());
                }
            } catch (SQLException e) {
                if (closed) return;
                LOG.warn("LISTEN {} connection failed ({}); reconnecting in {} ms", CHANNEL, e.getMessage(), backoffMillis);
                sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
        }
    }

    private void deliver(String payload) {
        int space = payload.indexOf(' ');
        if (space < 0) return;
        if (payload.regionMatches(0, instanceId, 0, space) && space == instanceId.length()) return;
        try {
            dispatch.accept(payload.substring(space + 1));
        } catch (RuntimeException e) {
            LOG.warn("pending listener failed", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            try {
                t.join(POLL_MILLIS * 4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
