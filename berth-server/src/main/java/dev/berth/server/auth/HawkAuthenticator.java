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

    @Override
    public ObjectNode temporaryCredentials(List<String> scopes, Instant expiry) {
        // Taskcluster lets temporary credentials start a little in the past, for clock skew between machines.
        Instant start = clock.instant().minus(Duration.ofMinutes(5));
        TemporaryCredentials t = TemporaryCredentials.create(AuthService.ROOT_CLIENT_ID, auth.rootAccessToken(),
                scopes, start, expiry, null);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("clientId", t.clientId());
        out.put("accessToken", t.accessToken());
        out.put("certificate", t.certificate());
        return out;
    }
}
