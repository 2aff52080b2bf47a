package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {

    @Test
    void h2UrlGetsRobustnessOptionsUnlessItSetsThemItself() {
        assertThat(H2Customization.withDefaults("jdbc:h2:file:/data/berth"))
                .isEqualTo("jdbc:h2:file:/data/berth;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
        assertThat(H2Customization.withDefaults("jdbc:h2:file:/data/berth;LOCK_TIMEOUT=500"))
                .isEqualTo("jdbc:h2:file:/data/berth;LOCK_TIMEOUT=500;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void passwordInUrlIsRedactedInMessages() {
        assertThat(Storage.redact("jdbc:postgresql://h/db?user=u&password=secret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    }

    @Test
    void unsupportedDatabaseUrlIsRejectedWithTheExpectedForms() {
        assertThatThrownBy(() -> Storage.open("jdbc:mysql://localhost/berth", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc:postgresql://").hasMessageContaining("jdbc:h2:file:");
    }

    @Test
    void reopeningAnH2DatabaseKeepsItsDataAndSkipsAppliedMigrations(@TempDir Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("berth");
        try (Storage s = Storage.open(url, null, null)) {
            assertThat(s.dialect()).isEqualTo(Dialect.H2);
            s.auth().insertRole(new dev.berth.core.store.RoleRecord("r", "d", java.util.List.of("a"),
                    java.time.Instant.EPOCH, java.time.Instant.EPOCH), dev.berth.core.audit.AuditEntry.role("r", "test",
                    dev.berth.core.audit.AuditEntry.CREATED, java.time.Instant.EPOCH));
        }
        try (Storage s = Storage.open(url, null, null)) {
            assertThat(s.auth().findRole("r")).isPresent();
        }
    }

    @Test
    void groupsOfTasksCreatedBeforeTaskGroupsExistedGetTheirRowOnMigration(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("berth");
        // a database as V7 left it, holding tasks whose group has no row (made before V2 added the table)
        org.flywaydb.core.Flyway.configure().dataSource(H2Customization.withDefaults(url), "sa", null)
                .locations("classpath:db/migration/h2").target("7").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(H2Customization.withDefaults(url), "sa", null)) {
            for (String[] t : new String[][] {{"t1", "2031-01-01T00:00:00Z"}, {"t2", "2031-06-01T00:00:00Z"}}) {
                try (var ps = c.prepareStatement("INSERT INTO tasks (task_id, task_queue_id, task_group_id, scheduler_id, priority,"
                        + " state, deadline, expires, definition, status) VALUES (?, 'p/w', 'old-group', 'sched-old', 0, 'completed', ?, ?, '{}', '{}')")) {
                    ps.setString(1, t[0]);
                    ps.setObject(2, java.time.OffsetDateTime.parse("2030-01-01T00:00:00Z"));
                    ps.setObject(3, java.time.OffsetDateTime.parse(t[1]));
                    ps.executeUpdate();
                }
            }
        }
        try (Storage s = Storage.open(url, null, null)) {
            assertThat(s.tasks().findTaskGroup("old-group")).contains(new dev.berth.core.store.TaskGroupRecord(
                    "old-group", "sched-old", java.time.Instant.parse("2031-06-01T00:00:00Z"), null));
        }
    }
}
