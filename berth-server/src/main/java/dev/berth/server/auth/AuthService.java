package dev.berth.server.auth;

import dev.berth.core.BerthException;
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
 * database see them within {@link #CACHE_TTL}.
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
    private final TokenSealer sealer;
    private final String rootAccessToken;
    private final Clock clock;
    private final Instant started;
    private final Map<String, Cached<Optional<ClientCredentials>>> clients = new ConcurrentHashMap<>();
    private volatile Cached<RoleExpander> roles;

    public AuthService(AuthStore store, TokenSealer sealer, String rootAccessToken, Clock clock) {
        this.store = store;
        this.sealer = sealer;
        this.rootAccessToken = rootAccessToken;
        this.clock = clock;
        this.started = clock.instant();
    }

    /** Creates the anonymous role with read-only scopes when it does not exist yet. */
    public void ensureDefaults() {
        Instant now = clock.instant();
        if (store.findRole(Caller.ANONYMOUS).isEmpty()) {
            store.insertRole(new RoleRecord(Caller.ANONYMOUS, "Scopes of requests that carry no credentials",
                    DEFAULT_ANONYMOUS_SCOPES, now, now));
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

    public NewClient createClient(String clientId, String description, List<String> scopes, Instant expires,
                                  boolean deleteOnExpiration) {
        requireClientId(clientId);
        String token = TokenSealer.generateAccessToken();
        Instant now = clock.instant();
        ClientRecord r = new ClientRecord(clientId, description, sealer.seal(clientId, token), Scopes.normalize(scopes),
                now, now, now, now, expires, false, deleteOnExpiration);
        if (!store.insertClient(r)) throw BerthException.conflict("client " + clientId + " already exists");
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

    public ClientRecord updateClient(String clientId, String description, List<String> scopes, Instant expires,
                                     Boolean deleteOnExpiration, Boolean disabled) {
        requireManaged(clientId, Boolean.TRUE.equals(disabled) ? "disabled" : "changed");
        ClientRecord old = getClient(clientId);
        ClientRecord r = new ClientRecord(clientId, description == null ? old.description() : description,
                old.sealedAccessToken(), scopes == null ? old.scopes() : Scopes.normalize(scopes), old.created(),
                clock.instant(), old.lastDateUsed(), old.lastRotated(), expires == null ? old.expires() : expires,
                disabled == null ? old.disabled() : disabled,
                deleteOnExpiration == null ? old.deleteOnExpiration() : deleteOnExpiration);
        if (!store.updateClient(r)) throw BerthException.notFound("client " + clientId + " not found");
        clients.remove(clientId);
        return r;
    }

    public NewClient resetAccessToken(String clientId) {
        requireManaged(clientId, "given a new access token");
        ClientRecord old = getClient(clientId);
        String token = TokenSealer.generateAccessToken();
        Instant now = clock.instant();
        ClientRecord r = new ClientRecord(clientId, old.description(), sealer.seal(clientId, token), old.scopes(),
                old.created(), now, old.lastDateUsed(), now, old.expires(), old.disabled(), old.deleteOnExpiration());
        store.updateClient(r);
        clients.remove(clientId);
        return new NewClient(r, token);
    }

    public void deleteClient(String clientId) {
        requireManaged(clientId, "deleted");
        store.deleteClient(clientId);
        clients.remove(clientId);
    }

    public RoleRecord createRole(String roleId, String description, List<String> scopes) {
        requireRoleId(roleId);
        Instant now = clock.instant();
        RoleRecord r = new RoleRecord(roleId, description, Scopes.normalize(scopes), now, now);
        if (!store.insertRole(r)) throw BerthException.conflict("role " + roleId + " already exists");
        invalidateRoles();
        return r;
    }

    public RoleRecord getRole(String roleId) {
        return store.findRole(roleId).orElseThrow(() -> BerthException.notFound("role " + roleId + " not found"));
    }

    public RoleRecord updateRole(String roleId, String description, List<String> scopes) {
        RoleRecord old = getRole(roleId);
        RoleRecord r = new RoleRecord(roleId, description == null ? old.description() : description,
                scopes == null ? old.scopes() : Scopes.normalize(scopes), old.created(), clock.instant());
        store.updateRole(r);
        invalidateRoles();
        return r;
    }

    public void deleteRole(String roleId) {
        store.deleteRole(roleId);
        invalidateRoles();
    }

    public List<RoleRecord> allRoles() { return store.allRoles(); }

    public dev.berth.core.store.Page<ClientRecord> listClients(String prefix, String continuation, int limit) {
        return store.clients(prefix, continuation, limit);
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
