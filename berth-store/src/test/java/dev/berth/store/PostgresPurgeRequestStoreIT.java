package dev.berth.store;

import dev.berth.testing.PurgeRequestStoreContract;
import org.junit.jupiter.api.AfterEach;

class PostgresPurgeRequestStoreIT extends PurgeRequestStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected dev.berth.core.purgecache.PurgeRequestStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.purgeRequests();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }
}
