package dev.berth.store;

import dev.berth.core.store.AuthStore;
import dev.berth.testing.AuthStoreContract;
import org.junit.jupiter.api.AfterEach;

class PostgresAuthStoreIT extends AuthStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected AuthStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.auth();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }
}
