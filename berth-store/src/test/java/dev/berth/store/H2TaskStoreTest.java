package dev.berth.store;

import dev.berth.core.store.TaskStore;
import dev.berth.testing.TaskStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2TaskStoreTest extends TaskStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected TaskStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.tasks();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
