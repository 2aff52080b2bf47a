package dev.berth.store;

import dev.berth.testing.IndexStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2IndexStoreTest extends IndexStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected Stores newStores() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return new Stores(storage.index(), storage.tasks());
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
