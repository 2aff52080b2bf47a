package dev.berth.server.http;

import com.fasterxml.jackson.databind.JsonNode;
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

    /** The body as JSON, validated against {@code schema} when one is named. */
    public JsonNode json(Context ctx, String schema) {
        String text = ctx.body();
        JsonNode node;
        if (text.isBlank()) {
            node = NullNode.getInstance();
        } else {
            try {
                node = Json.MAPPER.readTree(text);
            } catch (IOException e) {
                throw BerthException.input("the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        if (schema != null) schemas.require(schema, node, "the request body");
        return node;
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
        if (!s.matches("[A-Za-z0-9_-]{22}")) {
            throw BerthException.input("taskId must be 22 URL-safe base64 characters (a slugid); got '" + s + "'");
        }
        return s;
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
