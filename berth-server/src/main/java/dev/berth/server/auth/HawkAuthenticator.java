package dev.berth.server.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Authenticates requests as Taskcluster does: a Hawk Authorization header (optionally with temporary
 * credentials and authorizedScopes in ext), a bewit on signed GET URLs, or nothing — then the scopes of the
 * {@code anonymous} role.
 */
public final class HawkAuthenticator implements Authenticator {

    private final AuthService auth;
    private final dev.berth.core.auth.Authenticator hawk;
    private final Clock clock;
    private final int defaultPort;

    public HawkAuthenticator(AuthService auth, Clock clock, String rootUrl) {
        this.auth = auth;
        this.clock = clock;
        this.hawk = new dev.berth.core.auth.Authenticator(auth::client, auth::roles, clock);
        URI root = URI.create(rootUrl);
        this.defaultPort = root.getPort() > 0 ? root.getPort() : ("https".equals(root.getScheme()) ? 443 : 80);
    }

    @Override
    public Caller authenticate(Context ctx) {
        Caller cached = ctx.attribute("berth.caller");
        if (cached != null) return cached;
        String header = ctx.header("Authorization");
        String query = ctx.req().getQueryString();
        String resource = ctx.req().getRequestURI() + (query == null ? "" : "?" + query);
        var hp = hostAndPort(ctx);
        String host = hp.getKey();
        int port = hp.getValue();
        Caller caller;
        if (header != null && !header.isBlank()) {
            // Hawk hashes the body only when the client sent a hash; uploads stream and are not hashed.
            boolean hashed = header.contains("hash=");
            byte[] payload = hashed ? ctx.bodyAsBytes() : null;
            var a = hawk.authenticate(header, ctx.method().name(), resource, host, port, payload,
                    hashed ? ctx.contentType() : null);
            caller = new Caller(a.clientId(), java.util.Set.copyOf(a.scopes()), a.issuer());
        } else if (query != null && query.contains("bewit=")) {
            var a = hawk.authenticateBewit(ctx.method().name(), resource, host, port);
            caller = new Caller(a.clientId(), java.util.Set.copyOf(a.scopes()), a.issuer());
        } else {
            caller = new Caller(Caller.ANONYMOUS, java.util.Set.copyOf(auth.anonymousScopes()));
        }
        ctx.attribute("berth.caller", caller);
        return caller;
    }

    /**
     * Authenticates a request another service received and posted here (authenticateHawk): its Authorization
     * header, or a bewit in {@code resource}; the payload hash, if any, is for that service to check.
     * Returns null when the request carries neither.
     */
    public dev.berth.core.auth.Authenticator.Authenticated authenticateParts(String method, String resource, String host,
                                                                             int port, String authorization) {
        return authenticateParts(hawk, method, resource, host, port, authorization);
    }

    static dev.berth.core.auth.Authenticator.Authenticated authenticateParts(dev.berth.core.auth.Authenticator with,
            String method, String resource, String host, int port, String authorization) {
        if (authorization != null && !authorization.isBlank()) {
            return with.authenticate(authorization, method.toUpperCase(java.util.Locale.ROOT), resource, host, port, null, null);
        }
        if (resource.contains("bewit=")) return with.authenticateBewit(method.toUpperCase(java.util.Locale.ROOT), resource, host, port);
        return null;
    }

    /**
     * Authenticates a live request as Taskcluster's testAuthenticate does: only clientId {@code tester} with
     * accessToken {@code no-secret}, holding {@code clientScopes} as they are (no roles), then any certificate and
     * authorizedScopes as for real credentials; {@code assume:anonymous} is added, as Taskcluster adds it.
     */
    public Caller authenticateTester(Context ctx, List<String> clientScopes) {
        var tester = new dev.berth.core.auth.Authenticator(
                id -> TESTER.equals(id)
                        ? java.util.Optional.of(new dev.berth.core.auth.Authenticator.ClientCredentials(TESTER, "no-secret", clientScopes, null, false))
                        : java.util.Optional.empty(),
                dev.berth.core.auth.RoleExpander::empty, clock);
        String query = ctx.req().getQueryString();
        String resource = ctx.req().getRequestURI() + (query == null ? "" : "?" + query);
        var hp = hostAndPort(ctx);
        String header = ctx.header("Authorization");
        boolean hashed = header != null && header.contains("hash=");
        dev.berth.core.auth.Authenticator.Authenticated a;
        if (header != null && !header.isBlank()) {
            a = tester.authenticate(header, ctx.method().name(), resource, hp.getKey(), hp.getValue(),
                    hashed ? ctx.bodyAsBytes() : null, hashed ? ctx.contentType() : null);
        } else if (query != null && query.contains("bewit=")) {
            a = tester.authenticateBewit(ctx.method().name(), resource, hp.getKey(), hp.getValue());
        } else {
            throw dev.berth.core.BerthException.unauthenticated("testAuthenticate needs a request signed with clientId '"
                    + TESTER + "' and accessToken 'no-secret'");
        }
        // Taskcluster gives every client assume:anonymous; it shows here unexpanded, as Taskcluster answers
        java.util.Set<String> scopes = new java.util.HashSet<>(a.scopes());
        scopes.add("assume:" + Caller.ANONYMOUS);
        return new Caller(a.clientId(), scopes, a.issuer());
    }

    static final String TESTER = "tester";

    /** Host and port of a live request as Hawk signed them (the Host header, else the root URL's port). */
    Map.Entry<String, Integer> hostAndPort(Context ctx) {
        String hostHeader = ctx.header("Host");
        String host = hostHeader == null ? "localhost" : hostHeader;
        int port = defaultPort;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) {
            try {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
            } catch (NumberFormatException e) {
                // not a port: keep the whole header as the host
            }
        }
        return Map.entry(host, port);
    }

    @Override
    public ObjectNode temporaryCredentials(List<String> scopes, Instant expiry) {
        // Taskcluster lets temporary credentials start a little in the past, for clock skew between machines.
        Instant start = clock.instant().minus(Duration.ofMinutes(5));
        // issued through the verifier, which then knows them: their use (a run's reclaim, artifacts and report)
        // skips decoding and re-verifying the certificate it just signed
        TemporaryCredentials t = hawk.issueTemporary(AuthService.ROOT_CLIENT_ID, auth.rootAccessToken(), scopes, start,
                expiry);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("clientId", t.clientId());
        out.put("accessToken", t.accessToken());
        out.put("certificate", t.certificate());
        return out;
    }
}
