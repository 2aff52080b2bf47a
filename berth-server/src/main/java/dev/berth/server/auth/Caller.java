package dev.berth.server.auth;

import dev.berth.core.BerthException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who made a request and the scopes the request may use (expanded through roles and narrowed by any
 * temporary-credential certificate and authorizedScopes).
 */
public record Caller(String clientId, Set<String> scopes) {

    public static final String ANONYMOUS = "anonymous";

    public Caller {
        scopes = Set.copyOf(scopes);
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
            throw BerthException.forbidden("client '" + clientId + "' lacks scopes; it still needs " + missing
                    + (clientId.equals(ANONYMOUS) ? " (the request was not signed; sign it with Hawk credentials)" : ""));
        });
    }

    /** Requires at least one of the alternatives, each a list of scopes that must all be held. */
    public void requireAnyOf(List<List<String>> alternatives) {
        for (List<String> alt : alternatives) {
            if (alt.stream().allMatch(this::has)) return;
        }
        String wanted = alternatives.stream().map(a -> String.join(" + ", a)).collect(Collectors.joining("  OR  "));
        throw BerthException.forbidden("client '" + clientId + "' lacks the scopes for this request; it needs " + wanted);
    }

    private BerthException insufficient(String how, List<String> missing) {
        return BerthException.forbidden("client '" + clientId + "' lacks scopes: " + String.join(", ", missing)
                + (clientId.equals(ANONYMOUS) ? " (the request was not signed; sign it with Hawk credentials)" : ""));
    }
}
