package dev.berth.core.index;

import dev.berth.core.queue.InMemoryTaskStore;
import dev.berth.testing.IndexStoreContract;

/** The in-memory index the domain's unit tests use passes the contract of the database stores. */
class InMemoryIndexStoreTest extends IndexStoreContract {

    @Override
    protected Stores newStores() {
        return new Stores(new InMemoryIndexStore(), new InMemoryTaskStore());
    }
}
