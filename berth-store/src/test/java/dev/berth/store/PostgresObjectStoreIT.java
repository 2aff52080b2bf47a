package dev.berth.store;

import dev.berth.core.object.ObjectStore;
import dev.berth.testing.ObjectStoreContract;
import org.junit.jupiter.api.AfterEach;

class PostgresObjectStoreIT extends ObjectStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected ObjectStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.objects();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }
}
