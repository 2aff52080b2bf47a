package dev.berth.core.auth;

import dev.berth.core.BerthException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Turns a Hawk-signed request into a clientId and its effective scopes, following Taskcluster's auth service:
 *
 * <ol>
 *   <li>the ext is decoded; with a certificate, the issuer (ext.certificate.issuer, else the Hawk id) must be a
 *       known, enabled, unexpired client whose expanded scopes cover the certificate, and the MAC key is the
 *       temporary token derived from the issuer's token;</li>
 *   <li>the Hawk MAC, payload hash and timestamp are checked;</li>
 *   <li>scopes start as the client's expanded scopes, are narrowed to the certificate's scopes, then to
 *       ext.authorizedScopes, each narrowing required to be satisfied by what it narrows;</li>
 *   <li>the result is expanded through roles (narrowed scopes may name roles with {@code assume:}).</li>
 * </ol>
 *
 * Failures throw {@link BerthException} of kind AUTHENTICATION_FAILED with a reason a person can act on.
 */
public final class Authenticator {

    /** What the server knows of a client: its token (already unsealed) and unexpanded scopes. */
    public record ClientCredentials(String clientId, String accessToken, List<String> scopes, Instant expires,
                                    boolean disabled) {
        public ClientCredentials {
            scopes = List.copyOf(scopes);
        }
    }

    @FunctionalInterface
    public interface ClientSource {
        Optional<ClientCredentials> find(String clientId);
    }

    /**
     * A request that passed authentication.
     *
     * @param clientId the Hawk id (the name, for named temporary credentials)
     * @param scopes effective scopes after narrowing and role expansion, normalised
     * @param expires when these credentials stop working (earliest of client and certificate expiry)
     * @param issuer the issuing clientId when temporary credentials were used, else null
     */
    public record Authenticated(String clientId, List<String> scopes, Instant expires, String issuer) {
        public Authenticated {
            scopes = List.copyOf(scopes);
        }

        public boolean satisfies(ScopeExpression expression) { return expression.satisfiedBy(scopes); }
    }

    /** Bounds the caches below; they are emptied when they reach it (entries are cheap to recompute). */
    private static final int CACHE_LIMIT = 10_000;

    /**
     * A certificate whose signature and scopes were verified for an (id, ext), with what came out of it. Valid
     * only while the issuing client and the role table are the very ones it was verified against.
     */
    private record VerifiedExt(Ext ext, String issuingId, ClientCredentials client, RoleExpander expander,
                               List<String> scopes, String key) {}

    /** A client's scopes expanded through one role table. */
    private record ExpandedClient(ClientCredentials client, RoleExpander expander, List<String> scopes) {}

    private final ConcurrentHashMap<String, VerifiedExt> verifiedExts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ExpandedClient> expandedClients = new ConcurrentHashMap<>();
    private final ClientSource clients;
    private final Supplier<RoleExpander> roles;
    private final Clock clock;

    /** @param roles the current role table's expander; called per request so role changes apply at once */
    public Authenticator(ClientSource clients, Supplier<RoleExpander> roles, Clock clock) {
        this.clients = clients;
        this.roles = roles;
        this.clock = clock;
    }

    /**
     * Issues temporary credentials signed by {@code issuerId} (see {@link TemporaryCredentials#create}) and records
     * them as verified under the ext a client sends with them: base64 of {@code {"certificate":<certificate>}},
     * byte for byte what taskcluster-client and {@link Ext#encode} write. Their first use then skips decoding the
     * ext and re-checking a signature this server has just made; the client's state, the role table and the
     * validity window are still checked on every use, as for any cached certificate. A client that encodes the
     * ext otherwise is verified in full. Nothing is recorded unless {@code issuerId} is a usable client with
     * this very token whose scopes cover {@code scopes} (anything else is left to the full verification).
     */
    public TemporaryCredentials issueTemporary(String issuerId, String issuerAccessToken, List<String> scopes,
                                               Instant start, Instant expiry) {
        TemporaryCredentials.Signed signed = TemporaryCredentials.signed(issuerId, issuerAccessToken, scopes, start,
                expiry, null);
        TemporaryCredentials issued = signed.credentials();
        Instant now = clock.instant();
        ClientCredentials client = clients.find(issuerId).orElse(null);
        if (client == null || client.disabled() || (client.expires() != null && client.expires().isBefore(now))
                || !client.accessToken().equals(issuerAccessToken)) {
            return issued;
        }
        RoleExpander expander = roles.get();
        if (!Scopes.missing(expandedScopes(client, expander), scopes).isEmpty()) return issued;
        String rawExt = java.util.Base64.getEncoder().encodeToString(("{\"certificate\":" + issued.certificate() + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (verifiedExts.size() >= CACHE_LIMIT) verifiedExts.clear();
        verifiedExts.put(issued.clientId() + '\n' + rawExt, new VerifiedExt(new Ext(signed.certificate(), null), issuerId,
                client, expander, List.copyOf(expander.expand(signed.certificate().scopes())), issued.accessToken()));
        return issued;
    }

    /** Authenticates a request carrying {@code Authorization: Hawk ...}; see {@link Hawk#verifyHeader}. */
    public Authenticated authenticate(String authorization, String method, String resource, String host, int port,
                                      byte[] payload, String contentType) {
        Instant now = clock.instant();
        Resolution resolution = new Resolution(now);
        Hawk.Result result = Hawk.verifyHeader(authorization, method, resource, host, port, payload, contentType,
                resolution::keyFor, now);
        return finish(result, resolution);
    }

    /** Authenticates a bewit-signed GET URL; see {@link Hawk#verifyBewit}. */
    public Authenticated authenticateBewit(String method, String resource, String host, int port) {
        Instant now = clock.instant();
        Resolution resolution = new Resolution(now);
        Hawk.Result result = Hawk.verifyBewit(method, resource, host, port, resolution::keyFor, now);
        return finish(result, resolution);
    }

    private Authenticated finish(Hawk.Result result, Resolution resolution) {
        if (!result.valid()) {
            throw BerthException.unauthenticated(result.failure());
        }
        RoleExpander expander = resolution.expander;
        List<String> scopes = resolution.scopes;
        List<String> authorized = resolution.ext.authorizedScopes();
        if (authorized != null) {
            List<String> missing = Scopes.missing(scopes, authorized);
            if (!missing.isEmpty()) {
                throw BerthException.unauthenticated("authorizedScopes " + missing
                        + " are not satisfied by the credentials' scopes " + scopes);
            }
            scopes = expander.expand(authorized);
        }
        return new Authenticated(result.id(), scopes, resolution.expires, resolution.issuer);
    }

    /** The client's scopes expanded through {@code expander}, cached while both stay the same. */
    private List<String> expandedScopes(ClientCredentials client, RoleExpander expander) {
        ExpandedClient cached = expandedClients.get(client.clientId());
        if (cached != null && cached.expander() == expander && cached.client().equals(client)) {
            return cached.scopes();
        }
        List<String> expanded = List.copyOf(expander.expand(client.scopes()));
        if (expandedClients.size() >= CACHE_LIMIT) expandedClients.clear();
        expandedClients.put(client.clientId(), new ExpandedClient(client, expander, expanded));
        return expanded;
    }

    /** Per-request state filled in while Hawk asks for the key, so the scopes match the key that was used. */
    private final class Resolution {
        final Instant now;
        RoleExpander expander;
        Ext ext = Ext.NONE;
        List<String> scopes = List.of();
        Instant expires;
        String issuer;

        Resolution(Instant now) { this.now = now; }

        String keyFor(String id, String rawExt) {
            expander = roles.get();
            String cacheKey = rawExt == null || rawExt.isEmpty() ? null : id + '\n' + rawExt;
            VerifiedExt verified = cacheKey == null ? null : verifiedExts.get(cacheKey);
            if (verified != null) {
                // Same certificate, same request id: its signature and scope coverage were checked against this
                // very client record and role table; the client's state and the validity window are checked anew.
                ClientCredentials client = usableClient(verified.issuingId());
                if (client.equals(verified.client()) && expander == verified.expander()) {
                    ext = verified.ext();
                    Certificate certificate = ext.certificate();
                    if (certificate != null) {
                        certificate.verifyValidity(now);
                        issuer = verified.issuingId();
                        expires = client.expires();
                        if (expires == null || certificate.expiryInstant().isBefore(expires)) {
                            expires = certificate.expiryInstant();
                        }
                    } else {
                        expires = client.expires();
                    }
                    scopes = verified.scopes();
                    return verified.key();
                }
            }
            ext = Ext.parse(rawExt);
            Certificate certificate = ext.certificate();
            String issuingId = certificate != null && certificate.issuer() != null ? certificate.issuer() : id;
            ClientCredentials client = usableClient(issuingId);
            List<String> clientScopes = expandedScopes(client, expander);
            expires = client.expires();
            String key;
            if (certificate == null) {
                scopes = clientScopes;
                key = client.accessToken();
            } else {
                certificate.verify(id, issuingId, client.accessToken(), clientScopes, now);
                issuer = issuingId;
                scopes = expander.expand(certificate.scopes());
                if (expires == null || certificate.expiryInstant().isBefore(expires)) {
                    expires = certificate.expiryInstant();
                }
                key = certificate.temporaryAccessToken(client.accessToken());
            }
            if (cacheKey != null) {
                if (verifiedExts.size() >= CACHE_LIMIT) verifiedExts.clear();
                verifiedExts.put(cacheKey, new VerifiedExt(ext, issuingId, client, expander, List.copyOf(scopes), key));
            }
            return key;
        }

        private ClientCredentials usableClient(String clientId) {
            ClientCredentials client = clients.find(clientId)
                    .orElseThrow(() -> BerthException.unauthenticated("unknown clientId " + clientId));
            if (client.disabled()) {
                throw BerthException.unauthenticated("client " + clientId + " is disabled");
            }
            if (client.expires() != null && client.expires().isBefore(now)) {
                throw BerthException.unauthenticated("client " + clientId + " expired at " + client.expires());
            }
            return client;
        }
    }
}
