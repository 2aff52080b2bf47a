package dev.berth.store;

import dev.berth.core.object.ObjectStore;
import dev.berth.testing.ObjectStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2ObjectStoreTest extends ObjectStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected ObjectStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.objects();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
