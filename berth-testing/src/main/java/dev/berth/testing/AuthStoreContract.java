package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.audit.AuditEntry;
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

/** The behaviour every {@link AuthStore} adapter must have; {@link #newStore()} gives one over an empty database. */
public abstract class AuthStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected AuthStore store;

    protected abstract AuthStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    /** The entry a write records; what entries say is the audit contract's concern, not this one's. */
    protected AuditEntry audit() {
        return AuditEntry.client("any", "tester", AuditEntry.UPDATED, clock.instant());
    }

    protected ClientRecord client(String clientId) {
        Instant now = clock.instant();
        return new ClientRecord(clientId, "client " + clientId, "sealed:" + clientId, List.of("queue:*", "assume:x"),
                now, now, null, now, now.plus(Duration.ofDays(365)), false, false);
    }

    protected RoleRecord role(String roleId) {
        Instant now = clock.instant();
        return new RoleRecord(roleId, "role " + roleId, List.of("scope:" + roleId), now, now);
    }

    @Test
    void insertedClientIsFoundWithEveryField() {
        ClientRecord c = client("project/alice");

        assertThat(store.insertClient(c, audit())).isTrue();

        assertThat(store.findClient("project/alice")).contains(c);
        assertThat(store.findClient("project/bob")).isEmpty();
    }

    @Test
    void insertClientReturnsFalseAndKeepsTheExistingOneWhenTheIdExists() {
        ClientRecord c = client("alice");
        store.insertClient(c, audit());
        ClientRecord other = new ClientRecord("alice", "other", "sealed:other", List.of(), c.created(), c.lastModified(),
                null, null, c.expires(), true, true);

        assertThat(store.insertClient(other, audit())).isFalse();
        assertThat(store.findClient("alice")).contains(c);
    }

    @Test
    void updateClientReplacesEveryFieldAndIsFalseForUnknownClients() {
        ClientRecord c = client("alice");
        store.insertClient(c, audit());
        Instant later = clock.advance(Duration.ofHours(1));
        ClientRecord changed = new ClientRecord("alice", "new description", "sealed:rotated", List.of("a", "b"),
                c.created(), later, later, later, later.plus(Duration.ofDays(1)), true, true);

        assertThat(store.updateClient(changed, audit())).isTrue();
        assertThat(store.findClient("alice")).contains(changed);
        assertThat(store.updateClient(client("nobody"), audit())).isFalse();
        assertThat(store.findClient("nobody")).isEmpty();
    }

    @Test
    void deleteClientRemovesItAndReportsWhetherItExisted() {
        store.insertClient(client("alice"), audit());

        assertThat(store.deleteClient("alice", audit())).isTrue();
        assertThat(store.deleteClient("alice", audit())).isFalse();
        assertThat(store.findClient("alice")).isEmpty();
    }

    @Test
    void clientsArePagedInIdOrderAndFilteredByLiteralPrefix() {
        for (String id : List.of("proj/b", "proj/a", "proj/c", "proj_x", "projXa", "other/a", "proj/d", "proj%y")) {
            store.insertClient(client(id), audit());
        }

        assertThat(allClientIds("proj/", 2)).containsExactly("proj/a", "proj/b", "proj/c", "proj/d");
        // '_' and '%' are literal characters in a prefix, not wildcards.
        assertThat(allClientIds("proj_", 2)).containsExactly("proj_x");
        assertThat(allClientIds("proj%", 5)).containsExactly("proj%y");
        assertThat(allClientIds(null, 3)).containsExactly(
                "other/a", "proj%y", "proj/a", "proj/b", "proj/c", "proj/d", "projXa", "proj_x");
        assertThat(store.clients("none/", null, 10)).isEqualTo(new Page<>(List.of(), null));
    }

    private List<String> allClientIds(String prefix, int limit) {
        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            Page<ClientRecord> page = store.clients(prefix, token, limit);
            page.items().forEach(c -> ids.add(c.clientId()));
            token = page.continuationToken();
            if (token != null) assertThat(page.items()).hasSize(limit);
        } while (token != null);
        return ids;
    }

    @Test
    void rolesCanBeInsertedFoundUpdatedListedAndDeleted() {
        RoleRecord a = role("repo:a");
        RoleRecord b = role("repo:b");

        assertThat(store.insertRole(b, audit())).isTrue();
        assertThat(store.insertRole(a, audit())).isTrue();
        assertThat(store.insertRole(new RoleRecord("repo:a", "dup", List.of(), a.created(), a.created()), audit())).isFalse();
        assertThat(store.findRole("repo:a")).contains(a);
        assertThat(store.allRoles()).containsExactly(a, b);

        RoleRecord changed = new RoleRecord("repo:a", "changed", List.of("x", "y"), a.created(),
                clock.advance(Duration.ofMinutes(1)));
        assertThat(store.updateRole(changed, audit())).isTrue();
        assertThat(store.findRole("repo:a")).contains(changed);
        assertThat(store.updateRole(role("repo:none"), audit())).isFalse();

        assertThat(store.deleteRole("repo:b", audit())).isTrue();
        assertThat(store.deleteRole("repo:b", audit())).isFalse();
        assertThat(store.findRole("repo:b")).isEmpty();
        assertThat(store.allRoles()).containsExactly(changed);
    }
}
