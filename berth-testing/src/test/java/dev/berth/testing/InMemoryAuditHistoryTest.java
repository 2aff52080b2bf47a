package dev.berth.testing;

/** The in-memory store keeps its audit history as the database stores do. */
class InMemoryAuditHistoryTest extends AuditHistoryContract {

    @Override
    protected Stores newStores() {
        InMemoryAuthStore store = new InMemoryAuthStore();
        return new Stores(store, store);
    }
}
