package dev.berth.store;

import dev.berth.testing.WorkerPoolStoreContract;
import org.junit.jupiter.api.AfterEach;

class PostgresWorkerPoolStoreIT extends WorkerPoolStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected dev.berth.core.pools.WorkerPoolStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.workerPools();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }
}
