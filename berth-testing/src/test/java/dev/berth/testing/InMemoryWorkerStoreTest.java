package dev.berth.testing;

import dev.berth.core.workers.WorkerStore;

/** The fake other modules' tests may use behaves as the database store does. */
class InMemoryWorkerStoreTest extends WorkerStoreContract {

    @Override
    protected WorkerStore newStore() {
        return new InMemoryWorkerStore();
    }
}
