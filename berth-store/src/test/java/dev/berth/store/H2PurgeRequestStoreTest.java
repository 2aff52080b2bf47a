package dev.berth.store;

import dev.berth.testing.PurgeRequestStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2PurgeRequestStoreTest extends PurgeRequestStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected dev.berth.core.purgecache.PurgeRequestStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.purgeRequests();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
