package dev.berth.store;

import dev.berth.testing.WorkerPoolStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2WorkerPoolStoreTest extends WorkerPoolStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected dev.berth.core.pools.WorkerPoolStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.workerPools();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
