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
}
