package dev.berth.store;

import dev.berth.testing.IndexStoreContract;
import org.junit.jupiter.api.AfterEach;

class PostgresIndexStoreIT extends IndexStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected Stores newStores() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return new Stores(storage.index(), storage.tasks());
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }
}
