package dev.berth.store;

import dev.berth.core.store.AuthStore;
import dev.berth.testing.AuthStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class H2AuthStoreTest extends AuthStoreContract {

    @TempDir
    Path dir;
    private Storage storage;

    @Override
    protected AuthStore newStore() {
        storage = Storage.open("jdbc:h2:file:" + dir.resolve("berth"), null, null);
        return storage.auth();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) storage.close();
    }
}
