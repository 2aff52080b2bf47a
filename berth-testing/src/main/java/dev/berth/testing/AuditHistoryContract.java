package dev.berth.testing;

import static dev.berth.core.audit.AuditEntry.ACCESS_TOKEN_RESET;
import static dev.berth.core.audit.AuditEntry.CREATED;
import static dev.berth.core.audit.AuditEntry.DELETED;
import static dev.berth.core.audit.AuditEntry.DISABLED;
import static dev.berth.core.audit.AuditEntry.ENABLED;
import static dev.berth.core.audit.AuditEntry.UPDATED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.audit.AuditEntry;
import dev.berth.core.audit.AuditHistory;
import dev.berth.core.store.AuthStore;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.RoleRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every auth store and its {@link AuditHistory} must do together: each change to a client or role keeps
 * the entry it was given, only when the change is made, and the history reads back oldest first, paged.
 */
public abstract class AuditHistoryContract {

    /** An auth store and the history it writes to, over one empty database. */
    public record Stores(AuthStore auth, AuditHistory history) {}

    protected final MutableClock clock = new MutableClock();
    protected AuthStore store;
    protected AuditHistory history;

    protected abstract Stores newStores() throws Exception;

    @BeforeEach
    void openStores() throws Exception {
        Stores s = newStores();
        store = s.auth();
        history = s.history();
    }

    protected ClientRecord client(String clientId, boolean disabled) {
        Instant now = clock.instant();
        return new ClientRecord(clientId, "client " + clientId, "sealed:" + clientId, List.of("queue:*"), now, now, null, now,
                now.plus(Duration.ofDays(1)), disabled, false);
    }

    protected RoleRecord role(String roleId, String scope) {
        Instant now = clock.instant();
        return new RoleRecord(roleId, "role " + roleId, List.of(scope), now, now);
    }

    /** Moves the clock a minute on and returns the entry for a change to client {@code id} made then. */
    private AuditEntry clientChange(String id, String by, String action) {
        return AuditEntry.client(id, by, action, clock.advance(Duration.ofMinutes(1)));
    }

    private AuditEntry roleChange(String id, String by, String action) {
        return AuditEntry.role(id, by, action, clock.advance(Duration.ofMinutes(1)));
    }

    @Test
    void everyChangeToAClientIsRecordedWithWhoWhatAndWhenOldestFirst() {
        List<AuditEntry> made = new ArrayList<>();
        made.add(clientChange("project/alice", "admin", CREATED));
        assertThat(store.insertClient(client("project/alice", false), made.getLast())).isTrue();
        made.add(clientChange("project/alice", "admin", UPDATED));
        assertThat(store.updateClient(client("project/alice", false), made.getLast())).isTrue();
        made.add(clientChange("project/alice", "project/alice", ACCESS_TOKEN_RESET));
        assertThat(store.updateClient(client("project/alice", false), made.getLast())).isTrue();
        made.add(clientChange("project/alice", "ops", DISABLED));
        assertThat(store.updateClient(client("project/alice", true), made.getLast())).isTrue();
        made.add(clientChange("project/alice", "ops", ENABLED));
        assertThat(store.updateClient(client("project/alice", false), made.getLast())).isTrue();
        made.add(clientChange("project/alice", "admin", DELETED));
        assertThat(store.deleteClient("project/alice", made.getLast())).isTrue();

        assertThat(history.ofEntity(AuditEntry.CLIENT, "project/alice", null, 100)).isEqualTo(new Page<>(made, null));
    }

    @Test
    void everyChangeToARoleIsRecorded() {
        AuditEntry created = roleChange("repo:a", "admin", CREATED);
        store.insertRole(role("repo:a", "x"), created);
        AuditEntry updated = roleChange("repo:a", "dev", UPDATED);
        store.updateRole(role("repo:a", "y"), updated);
        AuditEntry deleted = roleChange("repo:a", "admin", DELETED);
        store.deleteRole("repo:a", deleted);

        assertThat(history.ofEntity(AuditEntry.ROLE, "repo:a", null, 100).items()).containsExactly(created, updated, deleted);
    }

    @Test
    void writesThatChangeNothingRecordNothing() {
        AuditEntry created = clientChange("alice", "admin", CREATED);
        store.insertClient(client("alice", false), created);
        AuditEntry roleCreated = roleChange("r", "admin", CREATED);
        store.insertRole(role("r", "x"), roleCreated);

        assertThat(store.insertClient(client("alice", true), clientChange("alice", "intruder", CREATED))).isFalse();
        assertThat(store.updateClient(client("nobody", false), clientChange("nobody", "admin", UPDATED))).isFalse();
        assertThat(store.deleteClient("nobody", clientChange("nobody", "admin", DELETED))).isFalse();
        assertThat(store.insertRole(role("r", "y"), roleChange("r", "intruder", CREATED))).isFalse();
        assertThat(store.updateRole(role("none", "y"), roleChange("none", "admin", UPDATED))).isFalse();
        assertThat(store.deleteRole("none", roleChange("none", "admin", DELETED))).isFalse();

        assertThat(history.ofEntity(AuditEntry.CLIENT, "alice", null, 100).items()).containsExactly(created);
        assertThat(history.ofEntity(AuditEntry.ROLE, "r", null, 100).items()).containsExactly(roleCreated);
        assertThat(history.ofEntity(AuditEntry.CLIENT, "nobody", null, 100).items()).isEmpty();
        assertThat(history.ofEntity(AuditEntry.ROLE, "none", null, 100).items()).isEmpty();
        assertThat(history.byClient("intruder", null, 100).items()).isEmpty();
    }

    @Test
    void anIdDeletedAndCreatedAgainShowsTheHistoryOfEveryLife() {
        List<AuditEntry> made = new ArrayList<>();
        for (int life = 0; life < 2; life++) {
            made.add(clientChange("again", "admin", CREATED));
            store.insertClient(client("again", false), made.getLast());
            made.add(clientChange("again", "admin", DELETED));
            store.deleteClient("again", made.getLast());
        }
        made.add(clientChange("again", "someone-else", CREATED));
        store.insertClient(client("again", false), made.getLast());

        assertThat(history.ofEntity(AuditEntry.CLIENT, "again", null, 100).items()).isEqualTo(made);
    }

    @Test
    void entitiesAreKeptApartByTypeAndWholeId() {
        AuditEntry clientX = clientChange("x", "admin", CREATED);
        store.insertClient(client("x", false), clientX);
        AuditEntry roleX = roleChange("x", "admin", CREATED);
        store.insertRole(role("x", "s"), roleX);
        AuditEntry clientXy = clientChange("xy", "admin", CREATED);
        store.insertClient(client("xy", false), clientXy);

        assertThat(history.ofEntity(AuditEntry.CLIENT, "x", null, 100).items()).containsExactly(clientX);
        assertThat(history.ofEntity(AuditEntry.ROLE, "x", null, 100).items()).containsExactly(roleX);
        assertThat(history.ofEntity(AuditEntry.CLIENT, "xy", null, 100).items()).containsExactly(clientXy);
        assertThat(history.ofEntity("hook", "x", null, 100)).isEqualTo(new Page<>(List.of(), null));
    }

    @Test
    void byClientListsWhatOneClientDidToAnyEntityOldestFirst() {
        AuditEntry a = clientChange("alice", "admin", CREATED);
        store.insertClient(client("alice", false), a);
        AuditEntry b = roleChange("repo:b", "admin", CREATED);
        store.insertRole(role("repo:b", "s"), b);
        store.updateClient(client("alice", false), clientChange("alice", "alice", ACCESS_TOKEN_RESET));
        AuditEntry c = clientChange("alice", "admin", DISABLED);
        store.updateClient(client("alice", true), c);

        assertThat(history.byClient("admin", null, 100).items()).containsExactly(a, b, c);
        assertThat(history.byClient("adm", null, 100).items()).isEmpty();
    }

    @Test
    void historyIsPagedInRecordedOrderAndTheLastPageHasNoToken() {
        List<AuditEntry> made = new ArrayList<>();
        made.add(clientChange("paged", "admin", CREATED));
        store.insertClient(client("paged", false), made.getLast());
        for (int i = 0; i < 6; i++) {
            store.insertClient(client("other" + i, false), clientChange("other" + i, "admin", CREATED));
            made.add(clientChange("paged", "admin", UPDATED));
            store.updateClient(client("paged", false), made.getLast());
        }

        assertThat(pages(3)).containsExactly(made.subList(0, 3), made.subList(3, 6), made.subList(6, 7));
        // a last page that is exactly full says so: no token leading to an empty page
        assertThat(pages(7)).containsExactly(made);
        assertThat(pages(1)).hasSize(7);
        assertThat(history.byClient("admin", null, 5).continuationToken()).isNotNull();
    }

    private List<List<AuditEntry>> pages(int limit) {
        List<List<AuditEntry>> pages = new ArrayList<>();
        String token = null;
        do {
            Page<AuditEntry> page = history.ofEntity(AuditEntry.CLIENT, "paged", token, limit);
            pages.add(page.items());
            token = page.continuationToken();
        } while (token != null);
        return pages;
    }
}
