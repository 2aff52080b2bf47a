package dev.berth.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.RoleRecord;
import dev.berth.server.http.Bodies;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The auth service's HTTP routes, Taskcluster auth v1 wire format. */
public final class AuthApi {

    public static final String PREFIX = "/api/auth/v1";

    private final AuthService auth;
    private final Authenticator authenticator;
    private final Bodies bodies;

    public AuthApi(AuthService auth, Authenticator authenticator, Bodies bodies) {
        this.auth = auth;
        this.authenticator = authenticator;
        this.bodies = bodies;
    }

    public void routes(JavalinConfig c) {
        var r = c.routes;
        r.get(PREFIX + "/ping", ctx -> ctx.json(java.util.Map.of("alive", true)));
        r.get(PREFIX + "/clients/", this::listClients);
        r.get(PREFIX + "/clients/<clientId>", this::getClient);
        r.put(PREFIX + "/clients/<clientId>", this::createClient);
        r.post(PREFIX + "/clients/<clientId>/reset", this::resetAccessToken);
        r.post(PREFIX + "/clients/<clientId>/enable", ctx -> enable(ctx, true));
        r.post(PREFIX + "/clients/<clientId>/disable", ctx -> enable(ctx, false));
        r.post(PREFIX + "/clients/<clientId>", this::updateClient);
        r.delete(PREFIX + "/clients/<clientId>", this::deleteClient);
        r.get(PREFIX + "/roles/", this::listRoles);
        r.get(PREFIX + "/roles/<roleId>", this::getRole);
        r.put(PREFIX + "/roles/<roleId>", this::createRole);
        r.post(PREFIX + "/roles/<roleId>", this::updateRole);
        r.delete(PREFIX + "/roles/<roleId>", this::deleteRole);
        r.get(PREFIX + "/scopes/current", this::currentScopes);
        r.post(PREFIX + "/scopes/expand", this::expandScopes);
    }

    private String clientIdParam(Context ctx) {
        String id = ctx.pathParam("clientId");
        // <clientId> routes also match ".../reset" etc. when a clientId contains slashes; those are declared first.
        return id;
    }

    private void listClients(Context ctx) {
        authenticator.authenticate(ctx).require("auth:list-clients");
        Page<ClientRecord> page = auth.listClients(ctx.queryParam("prefix"), ctx.queryParam("continuationToken"), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("clients");
        for (ClientRecord r : page.items()) list.add(clientJson(r, null));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void getClient(Context ctx) {
        String id = clientIdParam(ctx);
        authenticator.authenticate(ctx).require("auth:get-client:" + id);
        ctx.json(clientJson(auth.getClient(id), null));
    }

    private void createClient(Context ctx) {
        String id = clientIdParam(ctx);
        Caller caller = authenticator.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> scopes = strings(body, "scopes");
        List<String> needed = new ArrayList<>(List.of("auth:create-client:" + id));
        needed.addAll(scopes);
        caller.requireAll(needed);
        var created = auth.createClient(id, body.path("description").asText(""), scopes, instant(body, "expires"),
                body.path("deleteOnExpiration").asBoolean(false));
        ctx.json(clientJson(created.record(), created.accessToken()));
    }

    private void updateClient(Context ctx) {
        String id = clientIdParam(ctx);
        Caller caller = authenticator.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        ClientRecord old = auth.getClient(id);
        List<String> scopes = body.has("scopes") ? strings(body, "scopes") : null;
        List<String> needed = new ArrayList<>(List.of("auth:update-client:" + id));
        if (scopes != null) {
            Set<String> had = new HashSet<>(old.scopes());
            scopes.stream().filter(s -> !had.contains(s)).forEach(needed::add);
        }
        caller.requireAll(needed);
        ClientRecord r = auth.updateClient(id, body.has("description") ? body.get("description").asText() : null, scopes,
                instant(body, "expires"), body.has("deleteOnExpiration") ? body.get("deleteOnExpiration").asBoolean() : null, null);
        ctx.json(clientJson(r, null));
    }

    private void enable(Context ctx, boolean enabled) {
        String id = clientIdParam(ctx);
        authenticator.authenticate(ctx).require((enabled ? "auth:enable-client:" : "auth:disable-client:") + id);
        ctx.json(clientJson(auth.updateClient(id, null, null, null, null, !enabled), null));
    }

    private void resetAccessToken(Context ctx) {
        String id = clientIdParam(ctx);
        authenticator.authenticate(ctx).require("auth:reset-access-token:" + id);
        var reset = auth.resetAccessToken(id);
        ctx.json(clientJson(reset.record(), reset.accessToken()));
    }

    private void deleteClient(Context ctx) {
        String id = clientIdParam(ctx);
        authenticator.authenticate(ctx).require("auth:delete-client:" + id);
        auth.deleteClient(id);
        ctx.status(200).json(Json.MAPPER.createObjectNode());
    }

    private ObjectNode clientJson(ClientRecord r, String accessToken) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("clientId", r.clientId());
        if (accessToken != null) o.put("accessToken", accessToken);
        o.put("description", r.description());
        o.put("expires", r.expires() == null ? null : Json.format(r.expires()));
        o.put("created", Json.format(r.created()));
        o.put("lastModified", Json.format(r.lastModified()));
        o.put("lastDateUsed", Json.format(r.lastDateUsed()));
        o.put("lastRotated", Json.format(r.lastRotated()));
        o.put("deleteOnExpiration", r.deleteOnExpiration());
        o.put("disabled", r.disabled());
        o.set("scopes", Json.MAPPER.valueToTree(r.scopes()));
        o.set("expandedScopes", Json.MAPPER.valueToTree(auth.expand(r.scopes())));
        return o;
    }

    private void listRoles(Context ctx) {
        authenticator.authenticate(ctx).require("auth:list-roles");
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (RoleRecord r : auth.allRoles()) out.add(roleJson(r));
        ctx.json(out);
    }

    private void getRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        authenticator.authenticate(ctx).require("auth:get-role:" + id);
        ctx.json(roleJson(auth.getRole(id)));
    }

    private void createRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        Caller caller = authenticator.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        List<String> scopes = strings(body, "scopes");
        List<String> needed = new ArrayList<>(List.of("auth:create-role:" + id));
        needed.addAll(scopes);
        caller.requireAll(needed);
        ctx.json(roleJson(auth.createRole(id, body.path("description").asText(""), scopes)));
    }

    private void updateRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        Caller caller = authenticator.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        RoleRecord old = auth.getRole(id);
        List<String> scopes = strings(body, "scopes");
        List<String> needed = new ArrayList<>(List.of("auth:update-role:" + id));
        Set<String> had = new HashSet<>(old.scopes());
        scopes.stream().filter(s -> !had.contains(s)).forEach(needed::add);
        caller.requireAll(needed);
        ctx.json(roleJson(auth.updateRole(id, body.has("description") ? body.get("description").asText() : null, scopes)));
    }

    private void deleteRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        authenticator.authenticate(ctx).require("auth:delete-role:" + id);
        auth.deleteRole(id);
        ctx.status(200).json(Json.MAPPER.createObjectNode());
    }

    private ObjectNode roleJson(RoleRecord r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("roleId", r.roleId());
        o.put("description", r.description());
        o.put("created", Json.format(r.created()));
        o.put("lastModified", Json.format(r.lastModified()));
        o.set("scopes", Json.MAPPER.valueToTree(r.scopes()));
        o.set("expandedScopes", Json.MAPPER.valueToTree(auth.expand(List.of("assume:" + r.roleId()))));
        return o;
    }

    private void currentScopes(Context ctx) {
        Caller caller = authenticator.authenticate(ctx);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("scopes", Json.MAPPER.valueToTree(dev.berth.core.auth.Scopes.normalize(caller.scopes())));
        out.put("clientId", caller.clientId());
        ctx.json(out);
    }

    private void expandScopes(Context ctx) {
        authenticator.authenticate(ctx).require("auth:expand-scopes");
        JsonNode body = bodies.json(ctx, "auth/v1/scopeset.json");
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("scopes", Json.MAPPER.valueToTree(auth.expand(strings(body, "scopes"))));
        ctx.json(out);
    }

    private static List<String> strings(JsonNode body, String field) {
        List<String> out = new ArrayList<>();
        body.path(field).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Instant instant(JsonNode body, String field) {
        if (!body.hasNonNull(field)) return null;
        try {
            return OffsetDateTime.parse(body.get(field).asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw BerthException.input(field + " must be an ISO-8601 timestamp; got '" + body.get(field).asText() + "'");
        }
    }
}
