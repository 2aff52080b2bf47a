package dev.berth.testing;

import dev.berth.core.store.AuthStore;

/** The in-memory auth store behaves as the database stores do: the same contract suite. */
class InMemoryAuthStoreTest extends AuthStoreContract {

    @Override
    protected AuthStore newStore() {
        return new InMemoryAuthStore();
    }
}
