package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.audit.AuditEntry;
import dev.berth.core.store.ClientRecord;
import dev.berth.testing.AuditHistoryContract;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The audit contract over a database, plus what only a database can show: the entry shares the change's transaction. */
abstract class JdbcAuditHistoryContract extends AuditHistoryContract {

    protected Storage storage;

    protected abstract Storage openStorage();

    @Override
    protected Stores newStores() {
        storage = openStorage();
        return new Stores(storage.auth(), storage.audit());
    }

    /** Runs after the storage is closed (drops a PostgreSQL schema). */
    protected void afterClose() throws Exception {}

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        afterClose();
    }

    @Test
    void aChangeWhoseAuditEntryCannotBeWrittenIsNotMade() throws Exception {
        ClientRecord alice = client("alice", false);
        store.insertClient(alice, AuditEntry.client("alice", "admin", AuditEntry.CREATED, clock.instant()));
        try (Connection c = storage.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_history ADD CONSTRAINT test_refuses_entries CHECK (client_id <> 'refused')");
        }
        AuditEntry refused = AuditEntry.client("alice", "refused", AuditEntry.DISABLED, clock.instant());

        assertThatThrownBy(() -> store.updateClient(client("alice", true), refused)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.deleteClient("alice", refused)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.insertClient(client("bob", false), refused)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.insertRole(role("r", "s"), AuditEntry.role("r", "refused", AuditEntry.CREATED,
                clock.instant()))).isInstanceOf(StoreException.class);

        assertThat(store.findClient("alice")).contains(alice);
        assertThat(store.findClient("bob")).isEmpty();
        assertThat(store.findRole("r")).isEmpty();
        assertThat(history.ofEntity(AuditEntry.CLIENT, "alice", null, 10).items()).hasSize(1);
    }
}
