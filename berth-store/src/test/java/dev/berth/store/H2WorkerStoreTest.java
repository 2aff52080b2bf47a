package dev.berth.store;

import dev.berth.core.workers.WorkerStore;
import dev.berth.testing.WorkerStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2WorkerStoreTest extends WorkerStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected WorkerStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.workers();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
