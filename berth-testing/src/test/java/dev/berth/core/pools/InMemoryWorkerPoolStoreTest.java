package dev.berth.core.pools;

import dev.berth.testing.InMemoryWorkerPoolStore;
import dev.berth.testing.WorkerPoolStoreContract;

/** The fake the server tests may use behaves as the database adapters do. */
class InMemoryWorkerPoolStoreTest extends WorkerPoolStoreContract {

    @Override
    protected WorkerPoolStore newStore() {
        return new InMemoryWorkerPoolStore();
    }
}
