package dev.berth.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class H2AuditHistoryTest extends JdbcAuditHistoryContract {

    @TempDir
    Path dir;

    @Override
    protected Storage openStorage() {
        return Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
    }
}
