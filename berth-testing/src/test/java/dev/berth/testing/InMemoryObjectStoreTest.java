package dev.berth.testing;

import dev.berth.core.object.ObjectStore;

class InMemoryObjectStoreTest extends ObjectStoreContract {

    @Override
    protected ObjectStore newStore() { return new InMemoryObjectStore(); }
}
