package dev.berth.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A Taskcluster scope expression: a plain scope string, {@code {"AllOf": [...]}} or {@code {"AnyOf": [...]}},
 * nested freely. Used by the server to state what a route needs and to explain a 403.
 */
public sealed interface ScopeExpression {

    /** True when {@code held} (already role-expanded) satisfies this expression. */
    boolean satisfiedBy(Collection<String> held);

    /**
     * What is still needed beyond {@code held}, simplified; empty when satisfied. For an AnyOf none of whose
     * branches is satisfied, every branch's remainder is listed, so the message shows all ways to succeed.
     */
    Optional<ScopeExpression> unsatisfied(Collection<String> held);

    /** The Taskcluster JSON shape of this expression. */
    JsonNode toJson();

    static ScopeExpression scope(String scope) { return new Scope(scope); }

    static ScopeExpression allOf(ScopeExpression... parts) { return new AllOf(List.of(parts)); }

    static ScopeExpression anyOf(ScopeExpression... parts) { return new AnyOf(List.of(parts)); }

    /** {@code AllOf} over plain scopes: the shape of "a task may only carry scopes its creator holds". */
    static ScopeExpression allOfScopes(Collection<String> scopes) {
        return new AllOf(scopes.stream().<ScopeExpression>map(Scope::new).toList());
    }

    /** Parses the Taskcluster JSON shape; anything else is an input error naming what was wrong. */
    static ScopeExpression fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            throw BerthException.input("scope expression is missing");
        }
        if (node.isTextual()) {
            return new Scope(node.asText());
        }
        if (node.isObject() && node.size() == 1) {
            String key = node.fieldNames().next();
            JsonNode list = node.get(key);
            if (list.isArray() && (key.equals("AllOf") || key.equals("AnyOf"))) {
                List<ScopeExpression> parts = new ArrayList<>();
                list.forEach(part -> parts.add(fromJson(part)));
                return key.equals("AllOf") ? new AllOf(parts) : new AnyOf(parts);
            }
        }
        throw BerthException.input("invalid scope expression " + node
                + ": expected a scope string, {\"AllOf\": [...]} or {\"AnyOf\": [...]}");
    }

    record Scope(String scope) implements ScopeExpression {
        public Scope {
            if (!Scopes.isValidScope(scope)) {
                throw BerthException.input("invalid scope " + scope + ": scopes are printable ASCII");
            }
        }

        @Override
        public boolean satisfiedBy(Collection<String> held) { return Scopes.satisfiedBy(held, scope); }

        @Override
        public Optional<ScopeExpression> unsatisfied(Collection<String> held) {
            return satisfiedBy(held) ? Optional.empty() : Optional.of(this);
        }

        @Override
        public JsonNode toJson() { return JsonNodeFactory.instance.textNode(scope); }

        @Override
        public String toString() { return scope; }
    }

    record AllOf(List<ScopeExpression> parts) implements ScopeExpression {
        public AllOf { parts = List.copyOf(parts); }

        @Override
        public boolean satisfiedBy(Collection<String> held) {
            return parts.stream().allMatch(part -> part.satisfiedBy(held));
        }

        @Override
        public Optional<ScopeExpression> unsatisfied(Collection<String> held) {
            List<ScopeExpression> remaining = parts.stream()
                    .map(part -> part.unsatisfied(held))
                    .flatMap(Optional::stream)
                    .toList();
            if (remaining.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(remaining.size() == 1 ? remaining.get(0) : new AllOf(remaining));
        }

        @Override
        public JsonNode toJson() { return wrap("AllOf", parts); }

        @Override
        public String toString() { return render("AllOf", parts); }
    }

    record AnyOf(List<ScopeExpression> parts) implements ScopeExpression {
        public AnyOf { parts = List.copyOf(parts); }

        @Override
        public boolean satisfiedBy(Collection<String> held) {
            return parts.stream().anyMatch(part -> part.satisfiedBy(held));
        }

        @Override
        public Optional<ScopeExpression> unsatisfied(Collection<String> held) {
            List<ScopeExpression> remaining = new ArrayList<>();
            for (ScopeExpression part : parts) {
                Optional<ScopeExpression> rest = part.unsatisfied(held);
                if (rest.isEmpty()) {
                    return Optional.empty();
                }
                remaining.add(rest.get());
            }
            // An empty AnyOf can never be satisfied; report it as-is.
            if (remaining.isEmpty()) {
                return Optional.of(this);
            }
            return Optional.of(remaining.size() == 1 ? remaining.get(0) : new AnyOf(remaining));
        }

        @Override
        public JsonNode toJson() { return wrap("AnyOf", parts); }

        @Override
        public String toString() { return render("AnyOf", parts); }
    }

    private static JsonNode wrap(String key, List<ScopeExpression> parts) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        ArrayNode array = object.putArray(key);
        parts.forEach(part -> array.add(part.toJson()));
        return object;
    }

    private static String render(String key, List<ScopeExpression> parts) {
        return key + "(" + parts.stream().map(ScopeExpression::toString).collect(Collectors.joining(", ")) + ")";
    }
}
