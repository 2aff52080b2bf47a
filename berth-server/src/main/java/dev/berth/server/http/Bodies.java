package dev.berth.server.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.json.JsonSchemas;
import io.javalin.http.Context;
import java.io.IOException;

/** Reads JSON request bodies and path parameters with errors that name what is wrong. */
public final class Bodies {

    private final JsonSchemas schemas;

    public Bodies(JsonSchemas schemas) { this.schemas = schemas; }

    /** Requests bodies are one JSON document: trailing text after it is refused, not ignored. */
    private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * The body as JSON, validated against {@code schema} when one is named. Parsed once per request and schema:
     * a route's scope check and its handler both read it.
     */
    public JsonNode json(Context ctx, String schema) {
        String key = "berth.body:" + schema;
        JsonNode cached = ctx.attribute(key);
        if (cached != null) return cached;
        String type = ctx.contentType();
        String text = ctx.body();
        if (type != null && !text.isEmpty() && !isJson(type)) {
            throw new BerthException(BerthException.Kind.INPUT_ERROR,
                    "the request body must be JSON with Content-Type application/json; got Content-Type '" + type + "'");
        }
        JsonNode node;
        if (text.isBlank()) {
            node = NullNode.getInstance();
        } else {
            try {
                node = READER.readTree(text);
            } catch (IOException e) {
                throw BerthException.input("the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        String nul = findNul(node, "");
        if (nul != null) {
            // PostgreSQL text cannot hold U+0000: refuse it here rather than fail in the store
            throw BerthException.input("the request body holds a NUL character (\\u0000) at " + (nul.isEmpty() ? "/" : nul));
        }
        if (schema != null) schemas.require(schema, node, "the request body");
        ctx.attribute(key, node);
        return node;
    }

    /** The JSON pointer of the first string or field name holding U+0000, or null. */
    private static String findNul(JsonNode node, String at) {
        if (node.isTextual()) return node.textValue().indexOf('\u0000') >= 0 ? at : null;
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = findNul(node.get(i), at + "/" + i);
                if (found != null) return found;
            }
        } else if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                String name = e.getKey().replace("\u0000", "\\u0000");
                if (!name.equals(e.getKey())) return at + "/" + name;
                String found = findNul(e.getValue(), at + "/" + name);
                if (found != null) return found;
            }
        }
        return null;
    }

    private static boolean isJson(String contentType) {
        String media = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json") || media.equals("text/json");
    }

    public static int runId(Context ctx) {
        String s = ctx.pathParam("runId");
        try {
            int v = Integer.parseInt(s);
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw BerthException.input("runId must be a non-negative whole number; got '" + s + "'");
        }
    }

    public static String taskId(Context ctx) {
        String s = ctx.pathParam("taskId");
        if (!PathParams.SLUGID.matcher(s).matches()) {
            throw BerthException.input("taskId must be 22 URL-safe base64 characters (a slugid); got '" + s + "'");
        }
        return s;
    }

    /**
     * The {@code continuationToken} query parameter, or null. The stores' tokens are the last key of a page in
     * unpadded base64url; one that does not decode to a key of the listing's kind ({@code key}) was not made by
     * Berth and is refused rather than answered with an empty page.
     */
    public static String continuationToken(Context ctx, java.util.regex.Pattern key) {
        String token = ctx.queryParam("continuationToken");
        if (token == null || token.isEmpty()) return null;
        String decoded = null;
        try {
            byte[] bytes = java.util.Base64.getUrlDecoder().decode(token);
            if (java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(token)) {
                decoded = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            }
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            decoded = null;
        }
        if (decoded == null || !key.matcher(decoded).matches()) {
            throw BerthException.input("continuationToken " + PathParams.quote(token)
                    + " is not valid: pass back the continuationToken of the previous page unchanged");
        }
        return token;
    }

    public static int limit(Context ctx, int max) {
        String s = ctx.queryParam("limit");
        if (s == null) return max;
        try {
            int v = Integer.parseInt(s);
            if (v < 1) throw new NumberFormatException();
            return Math.min(v, max);
        } catch (NumberFormatException e) {
            throw BerthException.input("limit must be a positive whole number; got '" + s + "'");
        }
    }
}
