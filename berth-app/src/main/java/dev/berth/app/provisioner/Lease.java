package dev.berth.app.provisioner;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Who may provision: one leader at a time among the provisioners sharing a database. The leader renews its lease
 * every round; another takes over only once the lease has expired (its holder died or lost the database).
 */
public interface Lease {

    /** Takes or renews the lease for {@code ttl}; true when this holder is now the leader. */
    boolean acquire(Duration ttl);

    /** Gives the lease up (on a clean stop), so another provisioner takes over without waiting. */
    void release();

    /** The only provisioner there is (inside {@code berth dev}, on its own embedded database). */
    Lease ALONE = new Lease() {
        @Override public boolean acquire(Duration ttl) { return true; }
        @Override public void release() {}
    };

    /** A row of {@code provisioner_leases}: works on H2 and PostgreSQL alike. */
    record Jdbc(DataSource dataSource, String name, String holder, Clock clock) implements Lease {
        @Override
        public boolean acquire(Duration ttl) {
            long now = clock.millis();
            try (Connection c = dataSource.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE provisioner_leases SET holder = ?, expires_millis = ?"
                        + " WHERE name = ? AND (holder = ? OR expires_millis < ?)")) {
                    ps.setString(1, holder);
                    ps.setLong(2, now + ttl.toMillis());
                    ps.setString(3, name);
                    ps.setString(4, holder);
                    ps.setLong(5, now);
                    if (ps.executeUpdate() == 1) return true;
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO provisioner_leases (name, holder, expires_millis) VALUES (?, ?, ?)")) {
                    ps.setString(1, name);
                    ps.setString(2, holder);
                    ps.setLong(3, now + ttl.toMillis());
                    return ps.executeUpdate() == 1;
                } catch (SQLException held) {
                    return false; // the row exists and another holds it (or took it at this very moment)
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the provisioner lease: " + e.getMessage(), e);
            }
        }

        @Override
        public void release() {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("DELETE FROM provisioner_leases WHERE name = ? AND holder = ?")) {
                ps.setString(1, name);
                ps.setString(2, holder);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot give the provisioner lease up: " + e.getMessage(), e);
            }
        }
    }
}
