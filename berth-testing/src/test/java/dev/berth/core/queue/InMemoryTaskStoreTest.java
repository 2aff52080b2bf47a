package dev.berth.core.queue;

import dev.berth.core.store.TaskStore;
import dev.berth.testing.TaskStoreContract;

/**
 * The in-memory store the domain's unit tests run on must behave as the database stores do, so it passes
 * the same contract suite as H2 and PostgreSQL. It lives in berth-core's test classes (the domain tests use
 * it there); this module reaches it through berth-core's test-jar.
 */
class InMemoryTaskStoreTest extends TaskStoreContract {

    @Override
    protected TaskStore newStore() {
        return new InMemoryTaskStore();
    }
}
