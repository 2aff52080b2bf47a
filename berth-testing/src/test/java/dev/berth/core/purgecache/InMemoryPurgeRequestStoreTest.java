package dev.berth.core.purgecache;

import dev.berth.testing.InMemoryPurgeRequestStore;
import dev.berth.testing.PurgeRequestStoreContract;

/** The fake the worker and server tests use behaves as the database adapters do. */
class InMemoryPurgeRequestStoreTest extends PurgeRequestStoreContract {

    @Override
    protected PurgeRequestStore newStore() {
        return new InMemoryPurgeRequestStore();
    }
}
