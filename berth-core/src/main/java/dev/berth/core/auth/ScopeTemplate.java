package dev.berth.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's required scopes written as Taskcluster's API references write them: scope strings with
 * {@code <param>} holes, {@code AllOf}/{@code AnyOf}, {@code {for, in, each}} over a list parameter and
 * {@code {if, then, else}} on a boolean one. {@link #render} fills in a request's parameters and gives the
 * {@link ScopeExpression} the caller must satisfy.
 */
public sealed interface ScopeTemplate {

    Pattern PARAM = Pattern.compile("<([a-zA-Z][a-zA-Z0-9_]*)>");

    /** The expression for one request; a parameter the template uses but {@code params} lacks is a bug. */
    ScopeExpression render(Map<String, ?> params);

    /** Taskcluster's JSON shape, as in taskcluster-client's apis.js. */
    JsonNode toJson();

    /** Every parameter the template reads (loop variables excluded). */
    Set<String> params();

    static ScopeTemplate scope(String template) { return new Scope(template); }

    static ScopeTemplate allOf(ScopeTemplate... parts) { return new AllOf(List.of(parts)); }

    static ScopeTemplate anyOf(ScopeTemplate... parts) { return new AnyOf(List.of(parts)); }

    /** {@code {"for": var, "in": list, "each": each}}: one scope per element of the list parameter. */
    static ScopeTemplate forEach(String var, String in, String each) { return new ForEach(var, in, each); }

    /** {@code {"if": flag, "then": then}}: nothing is needed when the flag is false. */
    static ScopeTemplate ifThen(String flag, ScopeTemplate then) { return new IfThen(flag, then, null); }

    record Scope(String template) implements ScopeTemplate {
        @Override
        public ScopeExpression render(Map<String, ?> params) { return ScopeExpression.scope(fill(template, params)); }

        @Override
        public JsonNode toJson() { return JsonNodeFactory.instance.textNode(template); }

        @Override
        public Set<String> params() { return holes(template); }
    }

    record AllOf(List<ScopeTemplate> parts) implements ScopeTemplate {
        public AllOf { parts = List.copyOf(parts); }

        @Override
        public ScopeExpression render(Map<String, ?> params) {
            List<ScopeExpression> out = new ArrayList<>();
            for (ScopeTemplate p : parts) {
                // a loop expands in place, as Taskcluster flattens {for...} inside AllOf
                if (p instanceof ForEach f) out.addAll(f.expand(params)); else out.add(p.render(params));
            }
            return new ScopeExpression.AllOf(out);
        }

        @Override
        public JsonNode toJson() { return wrap("AllOf", parts); }

        @Override
        public Set<String> params() { return union(parts); }
    }

    record AnyOf(List<ScopeTemplate> parts) implements ScopeTemplate {
        public AnyOf { parts = List.copyOf(parts); }

        @Override
        public ScopeExpression render(Map<String, ?> params) {
            List<ScopeExpression> out = new ArrayList<>();
            for (ScopeTemplate p : parts) {
                if (p instanceof ForEach f) out.addAll(f.expand(params)); else out.add(p.render(params));
            }
            return new ScopeExpression.AnyOf(out);
        }

        @Override
        public JsonNode toJson() { return wrap("AnyOf", parts); }

        @Override
        public Set<String> params() { return union(parts); }
    }

    record ForEach(String var, String in, String each) implements ScopeTemplate {
        List<ScopeExpression> expand(Map<String, ?> params) {
            Object list = params.get(in);
            if (!(list instanceof Collection<?> items)) {
                throw new IllegalArgumentException("scope template needs list parameter " + in);
            }
            List<ScopeExpression> out = new ArrayList<>();
            Map<String, Object> scoped = new HashMap<>(params);
            for (Object item : items) {
                scoped.put(var, item);
                out.add(ScopeExpression.scope(fill(each, scoped)));
            }
            return out;
        }

        @Override
        public ScopeExpression render(Map<String, ?> params) { return new ScopeExpression.AllOf(expand(params)); }

        @Override
        public JsonNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("each", each);
            o.put("for", var);
            o.put("in", in);
            return o;
        }

        @Override
        public Set<String> params() {
            Set<String> out = new LinkedHashSet<>(holes(each));
            out.remove(var);
            out.add(in);
            return out;
        }
    }

    record IfThen(String flag, ScopeTemplate then, ScopeTemplate otherwise) implements ScopeTemplate {
        @Override
        public ScopeExpression render(Map<String, ?> params) {
            if (Boolean.TRUE.equals(params.get(flag))) return then.render(params);
            return otherwise == null ? new ScopeExpression.AllOf(List.of()) : otherwise.render(params);
        }

        @Override
        public JsonNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            if (otherwise != null) o.set("else", otherwise.toJson());
            o.put("if", flag);
            o.set("then", then.toJson());
            return o;
        }

        @Override
        public Set<String> params() {
            Set<String> out = new LinkedHashSet<>(then.params());
            if (otherwise != null) out.addAll(otherwise.params());
            out.add(flag);
            return out;
        }
    }

    /**
     * The template with each {@code <param>} replaced by its value. Scanned by hand, the same holes as
     * {@link #PARAM} finds (leftmost first, not overlapping): this runs for every scope of every request, and a
     * regex Matcher with appendReplacement cost more than the rest of the rendering.
     */
    private static String fill(String template, Map<String, ?> params) {
        int open = template.indexOf('<');
        if (open < 0) return template;
        StringBuilder sb = new StringBuilder(template.length() + 32);
        int copied = 0;
        while (open >= 0) {
            int end = holeEnd(template, open);
            if (end < 0) {
                open = template.indexOf('<', open + 1);
                continue;
            }
            String name = template.substring(open + 1, end);
            Object v = params.get(name);
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("scope template " + template + " needs string parameter " + name);
            }
            sb.append(template, copied, open).append(s);
            copied = end + 1;
            open = template.indexOf('<', copied);
        }
        return sb.append(template, copied, template.length()).toString();
    }

    /** The index of the {@code >} closing a hole {@code <[a-zA-Z][a-zA-Z0-9_]*>} that opens at {@code open}, or -1. */
    private static int holeEnd(String template, int open) {
        int i = open + 1;
        if (i >= template.length() || !isLetter(template.charAt(i))) return -1;
        i++;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '>') return i;
            if (!isLetter(c) && !(c >= '0' && c <= '9') && c != '_') return -1;
            i++;
        }
        return -1;
    }

    private static boolean isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

    private static Set<String> holes(String template) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = PARAM.matcher(template);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static Set<String> union(List<ScopeTemplate> parts) {
        Set<String> out = new LinkedHashSet<>();
        parts.forEach(p -> out.addAll(p.params()));
        return out;
    }

    private static JsonNode wrap(String key, List<ScopeTemplate> parts) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode a = o.putArray(key);
        parts.forEach(p -> a.add(p.toJson()));
        return o;
    }
}
