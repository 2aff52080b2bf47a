package dev.berth.server.auth;

import dev.berth.core.BerthException;
import dev.berth.core.audit.AuditEntry;
import dev.berth.core.audit.AuditHistory;
import dev.berth.core.auth.Authenticator.ClientCredentials;
import dev.berth.core.auth.RoleExpander;
import dev.berth.core.auth.Scopes;
import dev.berth.core.auth.TokenSealer;
import dev.berth.core.store.AuthStore;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.RoleRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients and roles: the static root client from configuration, stored clients with sealed tokens, and the
 * role table with its expander. Lookups are cached briefly so a busy queue does not read the auth tables on
 * every request; writes through this service invalidate the cache at once, and other servers on the same
 * database see them within {@link #CACHE_TTL}. Every change names who made it ({@code by}, the caller's clientId):
 * the store records it in the audit history with the change.
 */
public final class AuthService {

    public static final String ROOT_CLIENT_ID = "static/berth/root";
    public static final Duration CACHE_TTL = Duration.ofSeconds(10);
    private static final Instant ROOT_EXPIRES = Instant.parse("3000-01-01T00:00:00Z");
    /** What an unsigned request may do unless the operator changes the role. */
    public static final List<String> DEFAULT_ANONYMOUS_SCOPES = List.of(
            "queue:get-task:*", "queue:status:*", "queue:list-task-group:*", "queue:list-dependent-tasks:*",
            "queue:list-artifacts:*", "queue:pending-count:*", "queue:claimed-count:*", "queue:get-artifact:public/*", "auth:current-scopes",
            "auth:expand-scopes", "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*");

    private record Cached<T>(T value, Instant at) {}

    private final AuthStore store;
    private final AuditHistory audit;
    private final TokenSealer sealer;
    private final String rootAccessToken;
    private final Clock clock;
    private final Instant started;
    private final Map<String, Cached<Optional<ClientCredentials>>> clients = new ConcurrentHashMap<>();
    private volatile Cached<RoleExpander> roles;

    public AuthService(AuthStore store, AuditHistory audit, TokenSealer sealer, String rootAccessToken, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.sealer = sealer;
        this.rootAccessToken = rootAccessToken;
        this.clock = clock;
        this.started = clock.instant();
    }

    /**
     * Creates the anonymous role with read-only scopes when it does not exist yet; its history shows it created
     * by the root client, whose authority the server acts with at its first start.
     */
    public void ensureDefaults() {
        Instant now = clock.instant();
        if (store.findRole(Caller.ANONYMOUS).isEmpty()) {
            store.insertRole(new RoleRecord(Caller.ANONYMOUS, "Scopes of requests that carry no credentials",
                    DEFAULT_ANONYMOUS_SCOPES, now, now), AuditEntry.role(Caller.ANONYMOUS, ROOT_CLIENT_ID, AuditEntry.CREATED, now));
            invalidateRoles();
        }
    }

    public String rootAccessToken() { return rootAccessToken; }

    public Instant now() { return clock.instant(); }

    public Optional<ClientCredentials> client(String clientId) {
        if (ROOT_CLIENT_ID.equals(clientId)) {
            return Optional.of(new ClientCredentials(ROOT_CLIENT_ID, rootAccessToken, List.of("*"), null, false));
        }
        Cached<Optional<ClientCredentials>> c = clients.get(clientId);
        if (c != null && c.at().plus(CACHE_TTL).isAfter(clock.instant())) return c.value();
        Optional<ClientCredentials> found = store.findClient(clientId).map(r -> new ClientCredentials(
                r.clientId(), sealer.unseal(r.clientId(), r.sealedAccessToken()), r.scopes(), r.expires(), r.disabled()));
        clients.put(clientId, new Cached<>(found, clock.instant()));
        return found;
    }

    public RoleExpander roles() {
        Cached<RoleExpander> r = roles;
        if (r == null || !r.at().plus(CACHE_TTL).isAfter(clock.instant())) {
            r = new Cached<>(RoleExpander.of(store.allRoles()), clock.instant());
            roles = r;
        }
        return r.value();
    }

    public List<String> expand(List<String> scopes) { return Scopes.normalize(roles().expand(scopes)); }

    public List<String> anonymousScopes() { return expand(List.of("assume:" + Caller.ANONYMOUS)); }

    // ---- management

    public record NewClient(ClientRecord record, String accessToken) {}

    public NewClient createClient(String by, String clientId, String description, List<String> scopes, Instant expires,
                                  boolean deleteOnExpiration) {
        requireClientId(clientId);
        String token = TokenSealer.generateAccessToken();
        Instant now = clock.instant();
        ClientRecord r = new ClientRecord(clientId, description, sealer.seal(clientId, token), Scopes.normalize(scopes),
                now, now, now, now, expires, false, deleteOnExpiration);
        if (!store.insertClient(r, AuditEntry.client(clientId, by, AuditEntry.CREATED, now))) {
            throw BerthException.conflict("client " + clientId + " already exists");
        }
        clients.remove(clientId);
        return new NewClient(r, token);
    }

    public ClientRecord getClient(String clientId) {
        if (ROOT_CLIENT_ID.equals(clientId)) {
            // not in the database: shown as Taskcluster shows its static clients (never with its token)
            return new ClientRecord(ROOT_CLIENT_ID, "the root client, set in the server's configuration", "", List.of("*"),
                    started, started, started, started, ROOT_EXPIRES, false, false);
        }
        return store.findClient(clientId).orElseThrow(() -> BerthException.notFound("client " + clientId + " not found"));
    }

    /** Changes a client; {@code disabled} non-null is enableClient or disableClient, recorded as Taskcluster names them. */
    public ClientRecord updateClient(String by, String clientId, String description, List<String> scopes, Instant expires,
                                     Boolean deleteOnExpiration, Boolean disabled) {
        requireManaged(clientId, Boolean.TRUE.equals(disabled) ? "disabled" : "changed");
        ClientRecord old = getClient(clientId);
        Instant now = clock.instant();
        ClientRecord r = new ClientRecord(clientId, description == null ? old.description() : description,
                old.sealedAccessToken(), scopes == null ? old.scopes() : Scopes.normalize(scopes), old.created(),
                now, old.lastDateUsed(), old.lastRotated(), expires == null ? old.expires() : expires,
                disabled == null ? old.disabled() : disabled,
                deleteOnExpiration == null ? old.deleteOnExpiration() : deleteOnExpiration);
        String action = disabled == null ? AuditEntry.UPDATED : disabled ? AuditEntry.DISABLED : AuditEntry.ENABLED;
        if (!store.updateClient(r, AuditEntry.client(clientId, by, action, now))) {
            throw BerthException.notFound("client " + clientId + " not found");
        }
        clients.remove(clientId);
        return r;
    }

    public NewClient resetAccessToken(String by, String clientId) {
        requireManaged(clientId, "given a new access token");
        ClientRecord old = getClient(clientId);
        String token = TokenSealer.generateAccessToken();
        Instant now = clock.instant();
        ClientRecord r = new ClientRecord(clientId, old.description(), sealer.seal(clientId, token), old.scopes(),
                old.created(), now, old.lastDateUsed(), now, old.expires(), old.disabled(), old.deleteOnExpiration());
        // the entry says a reset happened, never the token
        if (!store.updateClient(r, AuditEntry.client(clientId, by, AuditEntry.ACCESS_TOKEN_RESET, now))) {
            throw BerthException.notFound("client " + clientId + " not found");
        }
        clients.remove(clientId);
        return new NewClient(r, token);
    }

    /** Deleting a client that does not exist succeeds, as Taskcluster's, and records nothing: nothing changed. */
    public void deleteClient(String by, String clientId) {
        requireManaged(clientId, "deleted");
        store.deleteClient(clientId, AuditEntry.client(clientId, by, AuditEntry.DELETED, clock.instant()));
        clients.remove(clientId);
    }

    public RoleRecord createRole(String by, String roleId, String description, List<String> scopes) {
        requireRoleId(roleId);
        Instant now = clock.instant();
        RoleRecord r = new RoleRecord(roleId, description, Scopes.normalize(scopes), now, now);
        if (!store.insertRole(r, AuditEntry.role(roleId, by, AuditEntry.CREATED, now))) {
            throw BerthException.conflict("role " + roleId + " already exists");
        }
        invalidateRoles();
        return r;
    }

    public RoleRecord getRole(String roleId) {
        return store.findRole(roleId).orElseThrow(() -> BerthException.notFound("role " + roleId + " not found"));
    }

    public RoleRecord updateRole(String by, String roleId, String description, List<String> scopes) {
        RoleRecord old = getRole(roleId);
        Instant now = clock.instant();
        RoleRecord r = new RoleRecord(roleId, description == null ? old.description() : description,
                scopes == null ? old.scopes() : Scopes.normalize(scopes), old.created(), now);
        if (!store.updateRole(r, AuditEntry.role(roleId, by, AuditEntry.UPDATED, now))) {
            throw BerthException.notFound("role " + roleId + " not found");
        }
        invalidateRoles();
        return r;
    }

    /** Deleting a role that does not exist succeeds, as Taskcluster's, and records nothing. */
    public void deleteRole(String by, String roleId) {
        store.deleteRole(roleId, AuditEntry.role(roleId, by, AuditEntry.DELETED, clock.instant()));
        invalidateRoles();
    }

    public List<RoleRecord> allRoles() { return store.allRoles(); }

    public dev.berth.core.store.Page<ClientRecord> listClients(String prefix, String continuation, int limit) {
        return store.clients(prefix, continuation, limit);
    }

    /** What was done to one client or role (Taskcluster's getEntityHistory), oldest first. */
    public dev.berth.core.store.Page<AuditEntry> entityHistory(String entityType, String entityId, String continuation, int limit) {
        return audit.ofEntity(entityType, entityId, continuation, limit);
    }

    /** What one client did (Taskcluster's listAuditHistory), oldest first. */
    public dev.berth.core.store.Page<AuditEntry> clientHistory(String clientId, String continuation, int limit) {
        return audit.byClient(clientId, continuation, limit);
    }

    private void invalidateRoles() { roles = null; }

    /** Taskcluster's roleId: printable ASCII; 255 characters is the longest the stores hold. */
    private static void requireRoleId(String roleId) {
        if (!roleId.matches("[\\x20-\\x7e]{1,255}")) {
            throw BerthException.input("roleId must be 1 to 255 printable ASCII characters; got "
                    + dev.berth.server.http.PathParams.quote(roleId));
        }
    }

    /**
     * Static clients (the root client) live in the server's configuration, not in the database: the API cannot
     * delete, disable, change or reset them, so no API call can lock the operator out.
     */
    private static void requireManaged(String clientId, String verb) {
        if (ROOT_CLIENT_ID.equals(clientId)) {
            throw BerthException.input("client " + ROOT_CLIENT_ID + " is the root client; it is set in the server's"
                    + " configuration (rootAccessToken or the data directory's root-credentials.json) and cannot be "
                    + verb + " through the API");
        }
        if (clientId.startsWith("static/")) {
            throw BerthException.input("client " + clientId + " is a static client (static/ ids are reserved for"
                    + " the server's configuration) and cannot be " + verb + " through the API");
        }
    }

    private static void requireClientId(String clientId) {
        if (!clientId.matches("[A-Za-z0-9!@/:.+|_-]{1,255}")) {
            throw BerthException.input("clientId may use letters, digits and !@/:.+|_- (1 to 255 characters); got "
                    + dev.berth.server.http.PathParams.quote(clientId));
        }
        if (clientId.startsWith("static/")) throw BerthException.input("clientIds starting with static/ are reserved");
    }
}
