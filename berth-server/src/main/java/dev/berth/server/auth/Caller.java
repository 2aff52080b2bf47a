package dev.berth.server.auth;

import dev.berth.core.BerthException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who made a request and the scopes the request may use (expanded through roles and narrowed by any
 * temporary-credential certificate and authorizedScopes).
 *
 * @param issuer the client that issued the temporary credentials the request was signed with, else null
 */
public record Caller(String clientId, Set<String> scopes, String issuer) {

    public static final String ANONYMOUS = "anonymous";

    public Caller {
        scopes = Set.copyOf(scopes);
    }

    /** A caller signing with a client's own credentials (or anonymous). */
    public Caller(String clientId, Set<String> scopes) {
        this(clientId, scopes, null);
    }

    /**
     * Who a 403 names. Temporary credentials (a run's, given by claimWork) sign with their issuer's
     * clientId unless they are named, but hold only their certificate's scopes: naming just the
     * clientId would blame the issuer (the root client) for scopes it has.
     */
    String subject() {
        if (issuer == null) return "client '" + clientId + "'";
        return "temporary credentials with clientId '" + clientId + "' (issued by '" + issuer
                + "'; they hold only their certificate's scopes, not the issuer's)";
    }

    private String unsignedHint() {
        return clientId.equals(ANONYMOUS) && issuer == null ? " (the request was not signed; sign it with Hawk credentials)" : "";
    }

    public boolean has(String required) {
        return scopes.contains(required) || dev.berth.core.auth.Scopes.satisfiedBy(scopes, required);
    }

    /** Requires every one of the scopes. */
    public void requireAll(List<String> required) {
        List<String> missing = required.stream().filter(s -> !has(s)).toList();
        if (!missing.isEmpty()) throw insufficient("all of", missing);
    }

    public void require(String... required) { requireAll(List.of(required)); }

    /** Requires a route's scope expression; the 403 names what is still missing (every way, for an AnyOf). */
    public void require(dev.berth.core.auth.ScopeExpression expression) {
        expression.unsatisfied(scopes).ifPresent(missing -> {
            throw BerthException.forbidden(subject() + " lack" + (issuer == null ? "s" : "") + " scopes; "
                    + (issuer == null ? "it" : "they") + " still need" + (issuer == null ? "s " : " ") + missing + unsignedHint());
        });
    }

    /** Requires at least one of the alternatives, each a list of scopes that must all be held. */
    public void requireAnyOf(List<List<String>> alternatives) {
        for (List<String> alt : alternatives) {
            if (alt.stream().allMatch(this::has)) return;
        }
        String wanted = alternatives.stream().map(a -> String.join(" + ", a)).collect(Collectors.joining("  OR  "));
        throw BerthException.forbidden(subject() + " lack" + (issuer == null ? "s" : "") + " the scopes for this request; "
                + (issuer == null ? "it needs " : "they need ") + wanted);
    }

    private BerthException insufficient(String how, List<String> missing) {
        return BerthException.forbidden(subject() + " lack" + (issuer == null ? "s" : "") + " scopes: "
                + String.join(", ", missing) + unsignedHint());
    }
}
