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
import dev.berth.server.http.RouteTable;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.scope;

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

    /** Every auth route once: method, path, Taskcluster name, the scopes it needs (as Taskcluster's reference), handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        t.get("/ping", "ping", null, ctx -> ctx.json(java.util.Map.of("alive", true)));
        t.get("/clients/", "listClients", scope("auth:list-clients"), this::listClients);
        t.get("/clients/<clientId>", "client", scope("auth:get-client:<clientId>"), this::getClient);
        t.put("/clients/<clientId>", "createClient",
                allOf(scope("auth:create-client:<clientId>"), forEach("scope", "scopes", "<scope>")), this::createParams, this::createClient);
        // <clientId> matches slashes, so the longer routes are declared before POST /clients/<clientId>
        t.post("/clients/<clientId>/reset", "resetAccessToken", scope("auth:reset-access-token:<clientId>"), this::resetAccessToken);
        t.post("/clients/<clientId>/enable", "enableClient", scope("auth:enable-client:<clientId>"), ctx -> enable(ctx, true));
        t.post("/clients/<clientId>/disable", "disableClient", scope("auth:disable-client:<clientId>"), ctx -> enable(ctx, false));
        t.post("/clients/<clientId>", "updateClient",
                allOf(scope("auth:update-client:<clientId>"), forEach("scope", "scopesAdded", "<scope>")), this::updateClientParams, this::updateClient);
        t.delete("/clients/<clientId>", "deleteClient", scope("auth:delete-client:<clientId>"), this::deleteClient);
        t.get("/roles/", "listRoles", scope("auth:list-roles"), this::listRoles);
        t.get("/roles/<roleId>", "role", scope("auth:get-role:<roleId>"), this::getRole);
        t.put("/roles/<roleId>", "createRole",
                allOf(scope("auth:create-role:<roleId>"), forEach("scope", "scopes", "<scope>")), this::createParams, this::createRole);
        t.post("/roles/<roleId>", "updateRole",
                allOf(scope("auth:update-role:<roleId>"), forEach("scope", "scopesAdded", "<scope>")), this::updateRoleParams, this::updateRole);
        t.delete("/roles/<roleId>", "deleteRole", scope("auth:delete-role:<roleId>"), this::deleteRole);
        t.get("/scopes/current", "currentScopes", scope("auth:current-scopes"), this::currentScopes);
        t.post("/scopes/expand", "expandScopes", scope("auth:expand-scopes"), this::expandScopes);
        return t;
    }

    private java.util.Map<String, Object> createParams(Context ctx) {
        String schema = ctx.pathParamMap().containsKey("roleId") ? "auth/v1/create-role-request.json" : "auth/v1/create-client-request.json";
        return java.util.Map.of("scopes", strings(bodies.json(ctx, schema), "scopes"));
    }

    private java.util.Map<String, Object> updateClientParams(Context ctx) {
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> had = auth.getClient(clientIdParam(ctx)).scopes();
        return java.util.Map.of("scopesAdded", added(had, body.has("scopes") ? strings(body, "scopes") : List.of()));
    }

    private java.util.Map<String, Object> updateRoleParams(Context ctx) {
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        List<String> had = auth.getRole(ctx.pathParam("roleId")).scopes();
        return java.util.Map.of("scopesAdded", added(had, strings(body, "scopes")));
    }

    private static List<String> added(List<String> had, List<String> now) {
        Set<String> old = new HashSet<>(had);
        return now.stream().filter(s -> !old.contains(s)).toList();
    }

    private String clientIdParam(Context ctx) {
        return ctx.pathParam("clientId");
    }

    private void listClients(Context ctx) {
        Page<ClientRecord> page = auth.listClients(ctx.queryParam("prefix"), Bodies.continuationToken(ctx, dev.berth.server.http.PathParams.CLIENT_ID), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("clients");
        for (ClientRecord r : page.items()) list.add(clientJson(r, null));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void getClient(Context ctx) {
        String id = clientIdParam(ctx);
        ctx.json(clientJson(auth.getClient(id), null));
    }

    private void createClient(Context ctx) {
        String id = clientIdParam(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> scopes = strings(body, "scopes");
        var created = auth.createClient(id, body.path("description").asText(""), scopes, instant(body, "expires"),
                body.path("deleteOnExpiration").asBoolean(false));
        ctx.json(clientJson(created.record(), created.accessToken()));
    }

    private void updateClient(Context ctx) {
        String id = clientIdParam(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> scopes = body.has("scopes") ? strings(body, "scopes") : null;
        ClientRecord r = auth.updateClient(id, body.has("description") ? body.get("description").asText() : null, scopes,
                instant(body, "expires"), body.has("deleteOnExpiration") ? body.get("deleteOnExpiration").asBoolean() : null, null);
        ctx.json(clientJson(r, null));
    }

    private void enable(Context ctx, boolean enabled) {
        String id = clientIdParam(ctx);
        ctx.json(clientJson(auth.updateClient(id, null, null, null, null, !enabled), null));
    }

    private void resetAccessToken(Context ctx) {
        String id = clientIdParam(ctx);
        var reset = auth.resetAccessToken(id);
        ctx.json(clientJson(reset.record(), reset.accessToken()));
    }

    private void deleteClient(Context ctx) {
        String id = clientIdParam(ctx);
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
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (RoleRecord r : auth.allRoles()) out.add(roleJson(r));
        ctx.json(out);
    }

    private void getRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        ctx.json(roleJson(auth.getRole(id)));
    }

    private void createRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        List<String> scopes = strings(body, "scopes");
        ctx.json(roleJson(auth.createRole(id, body.path("description").asText(""), scopes)));
    }

    private void updateRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        List<String> scopes = strings(body, "scopes");
        ctx.json(roleJson(auth.updateRole(id, body.has("description") ? body.get("description").asText() : null, scopes)));
    }

    private void deleteRole(Context ctx) {
        String id = ctx.pathParam("roleId");
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
