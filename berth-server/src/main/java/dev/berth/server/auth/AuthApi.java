package dev.berth.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.audit.AuditEntry;
import dev.berth.core.json.Json;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.RoleRecord;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.RouteTable;
import dev.berth.server.http.ServiceMetaRoutes;
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
    private final HawkAuthenticator authenticator;
    private final Bodies bodies;

    public AuthApi(AuthService auth, HawkAuthenticator authenticator, Bodies bodies) {
        this.auth = auth;
        this.authenticator = authenticator;
        this.bodies = bodies;
    }

    /** Every auth route once: method, path, Taskcluster name, the scopes it needs (as Taskcluster's reference), handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, () -> auth.listClients(null, null, 1));
        t.get("/clients/", "listClients", scope("auth:list-clients"), this::listClients);
        // before GET /clients/<clientId>, whose <clientId> would swallow "/audit"
        t.get("/clients/<clientId>/audit", "listAuditHistory", scope("auth:client-audit-history:<clientId>"), this::listAuditHistory);
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
        t.get("/roles2/", "listRoles2", scope("auth:list-roles"), this::listRoles2);
        t.get("/roleids/", "listRoleIds", scope("auth:list-roles"), this::listRoleIds);
        t.get("/roles/<roleId>", "role", scope("auth:get-role:<roleId>"), this::getRole);
        t.put("/roles/<roleId>", "createRole",
                allOf(scope("auth:create-role:<roleId>"), forEach("scope", "scopes", "<scope>")), this::createParams, this::createRole);
        t.post("/roles/<roleId>", "updateRole",
                allOf(scope("auth:update-role:<roleId>"), forEach("scope", "scopesAdded", "<scope>")), this::updateRoleParams, this::updateRole);
        t.delete("/roles/<roleId>", "deleteRole", scope("auth:delete-role:<roleId>"), this::deleteRole);
        t.get("/audit/{entityType}/<entityId>", "getEntityHistory", scope("auth:audit-history:<entityType>"), this::getEntityHistory);
        t.get("/scopes/current", "currentScopes", scope("auth:current-scopes"), this::currentScopes);
        t.post("/scopes/expand", "expandScopes", scope("auth:expand-scopes"), this::expandScopes);
        t.post("/authenticate-hawk", "authenticateHawk", null, this::authenticateHawk);
        t.post("/test-authenticate", "testAuthenticate", null, this::testAuthenticate);
        t.get("/test-authenticate-get/", "testAuthenticateGet", null, this::testAuthenticateGet);
        // Berth brokers no cloud credentials; the routes keep Taskcluster's scopes so a caller learns that only
        // after the same scope check Taskcluster would make.
        t.get("/aws/s3/<level>/<bucket>/<prefix>", "awsS3Credentials",
                readOnlyOr("auth:aws-s3:read-only:<bucket>/<prefix>", "auth:aws-s3:read-write:<bucket>/<prefix>"),
                AuthApi::levelParam, ctx -> noCloudCredentials("awsS3Credentials", "AWS S3 credentials"));
        t.get("/azure/accounts", "azureAccounts", scope("auth:azure-table:list-accounts"),
                ctx -> noCloudCredentials("azureAccounts", "Azure storage accounts"));
        t.get("/azure/<account>/tables", "azureTables", scope("auth:azure-table:list-tables:<account>"),
                ctx -> noCloudCredentials("azureTables", "Azure tables"));
        t.get("/azure/<account>/table/<table>/<level>", "azureTableSAS",
                readOnlyOr("auth:azure-table:read-only:<account>/<table>", "auth:azure-table:read-write:<account>/<table>"),
                AuthApi::levelParam, ctx -> noCloudCredentials("azureTableSAS", "Azure table SAS tokens"));
        t.get("/azure/<account>/containers", "azureContainers", scope("auth:azure-container:list-containers:<account>"),
                ctx -> noCloudCredentials("azureContainers", "Azure blob containers"));
        t.get("/azure/<account>/containers/<container>/<level>", "azureContainerSAS",
                readOnlyOr("auth:azure-container:read-only:<account>/<container>", "auth:azure-container:read-write:<account>/<container>"),
                AuthApi::levelParam, ctx -> noCloudCredentials("azureContainerSAS", "Azure container SAS tokens"));
        t.get("/sentry/<project>/dsn", "sentryDSN", scope("auth:sentry:<project>"),
                ctx -> noCloudCredentials("sentryDSN", "Sentry DSNs"));
        t.get("/websocktunnel/<wstAudience>/<wstClient>", "websocktunnelToken", scope("auth:websocktunnel-token:<wstAudience>/<wstClient>"),
                ctx -> noCloudCredentials("websocktunnelToken", "websocktunnel tokens"));
        t.get("/gcp/credentials/<projectId>/<serviceAccount>", "gcpCredentials", scope("auth:gcp:access-token:<projectId>/<serviceAccount>"),
                ctx -> noCloudCredentials("gcpCredentials", "GCP access tokens"));
        return t;
    }

    /** Taskcluster's scopes for a read-only or read-write level: read-only is satisfied by either scope. */
    private static dev.berth.core.auth.ScopeTemplate readOnlyOr(String readOnly, String readWrite) {
        return new dev.berth.core.auth.ScopeTemplate.IfThen("levelIsReadOnly",
                dev.berth.core.auth.ScopeTemplate.anyOf(scope(readOnly), scope(readWrite)), scope(readWrite));
    }

    private static java.util.Map<String, Object> levelParam(Context ctx) {
        return java.util.Map.of("levelIsReadOnly", "read-only".equals(ctx.pathParam("level")));
    }

    private static void noCloudCredentials(String route, String what) {
        throw BerthException.input(route + ": Berth does not broker cloud credentials (" + what + "); give the task"
                + " or service its own credentials for that cloud instead");
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

    /** An audit entry's continuation token: the last row id of the page, as the store gives it. */
    private static final java.util.regex.Pattern AUDIT_KEY = java.util.regex.Pattern.compile("[0-9]{1,19}");

    private void getEntityHistory(Context ctx) {
        auditJson(ctx, auth.entityHistory(ctx.pathParam("entityType"), ctx.pathParam("entityId"),
                Bodies.continuationToken(ctx, AUDIT_KEY), Bodies.limit(ctx, 1000)));
    }

    private void listAuditHistory(Context ctx) {
        auditJson(ctx, auth.clientHistory(clientIdParam(ctx), Bodies.continuationToken(ctx, AUDIT_KEY), Bodies.limit(ctx, 1000)));
    }

    /** Taskcluster's get-entity-history-response: who did what to which entity, and when; never a token. */
    private static void auditJson(Context ctx, Page<AuditEntry> page) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("auditHistory");
        for (AuditEntry e : page.items()) {
            list.addObject().put("clientId", e.clientId()).put("actionType", e.action()).put("created", Json.format(e.created()))
                    .put("entityId", e.entityId()).put("entityType", e.entityType());
        }
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    /** The clientId the request was signed with: who the audit history says made a change. */
    private String by(Context ctx) {
        return authenticator.authenticate(ctx).clientId();
    }

    private void getClient(Context ctx) {
        String id = clientIdParam(ctx);
        ctx.json(clientJson(auth.getClient(id), null));
    }

    private void createClient(Context ctx) {
        String id = clientIdParam(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> scopes = strings(body, "scopes");
        var created = auth.createClient(by(ctx), id, body.path("description").asText(""), scopes, instant(body, "expires"),
                body.path("deleteOnExpiration").asBoolean(false));
        ctx.json(clientJson(created.record(), created.accessToken()));
    }

    private void updateClient(Context ctx) {
        String id = clientIdParam(ctx);
        JsonNode body = bodies.json(ctx, "auth/v1/create-client-request.json");
        List<String> scopes = body.has("scopes") ? strings(body, "scopes") : null;
        ClientRecord r = auth.updateClient(by(ctx), id, body.has("description") ? body.get("description").asText() : null, scopes,
                instant(body, "expires"), body.has("deleteOnExpiration") ? body.get("deleteOnExpiration").asBoolean() : null, null);
        ctx.json(clientJson(r, null));
    }

    private void enable(Context ctx, boolean enabled) {
        String id = clientIdParam(ctx);
        ctx.json(clientJson(auth.updateClient(by(ctx), id, null, null, null, null, !enabled), null));
    }

    private void resetAccessToken(Context ctx) {
        String id = clientIdParam(ctx);
        var reset = auth.resetAccessToken(by(ctx), id);
        ctx.json(clientJson(reset.record(), reset.accessToken()));
    }

    private void deleteClient(Context ctx) {
        String id = clientIdParam(ctx);
        auth.deleteClient(by(ctx), id);
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

    /** roleIds as continuation tokens: unpadded base64url of the last roleId of the page, as the stores' tokens. */
    private static final java.util.regex.Pattern ROLE_ID = java.util.regex.Pattern.compile("[\\x20-\\x7e]{1,255}");

    /** One page of the roles sorted by roleId; the role table is read whole anyway for expansion, so paging is in memory. */
    private Page<RoleRecord> rolePage(Context ctx) {
        String token = Bodies.continuationToken(ctx, ROLE_ID);
        String after = token == null ? null
                : new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
        int limit = Bodies.limit(ctx, 1000);
        List<RoleRecord> sorted = auth.allRoles().stream()
                .sorted(java.util.Comparator.comparing(RoleRecord::roleId))
                .filter(r -> after == null || r.roleId().compareTo(after) > 0)
                .toList();
        if (sorted.size() <= limit) return new Page<>(sorted, null);
        List<RoleRecord> items = sorted.subList(0, limit);
        String next = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                items.get(limit - 1).roleId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Page<>(items, next);
    }

    private void listRoles2(Context ctx) {
        Page<RoleRecord> page = rolePage(ctx);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("roles");
        for (RoleRecord r : page.items()) list.add(roleJson(r));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void listRoleIds(Context ctx) {
        Page<RoleRecord> page = rolePage(ctx);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("roleIds");
        for (RoleRecord r : page.items()) list.add(r.roleId());
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    /**
     * Checks a request another service received, as Taskcluster's authenticateHawk: always 200, with
     * auth-success and the caller's expanded scopes, auth-failed and why, or no-auth (anonymous) when the
     * request carried neither an Authorization header nor a bewit.
     */
    private void authenticateHawk(Context ctx) {
        JsonNode body = bodies.json(ctx, "auth/v1/authenticate-hawk-request.json");
        ObjectNode out = Json.MAPPER.createObjectNode();
        try {
            var a = authenticator.authenticateParts(body.get("method").asText(), body.get("resource").asText(),
                    body.get("host").asText(), body.get("port").asInt(), body.path("authorization").asText(null));
            if (a == null) {
                out.put("status", "no-auth");
                out.put("scheme", "none");
                out.set("scopes", Json.MAPPER.valueToTree(auth.anonymousScopes()));
                out.put("expires", Json.format(auth.now().plus(java.time.Duration.ofMinutes(15))));
            } else {
                out.put("status", "auth-success");
                out.put("scheme", "hawk");
                out.set("scopes", Json.MAPPER.valueToTree(dev.berth.core.auth.Scopes.normalize(a.scopes())));
                out.put("clientId", a.clientId());
                // the payload hash the header carried, for the calling service to check against the body
                String authorization = body.path("authorization").asText("");
                if (!authorization.isBlank()) {
                    String hash = dev.berth.core.auth.Hawk.parseHeader(authorization).get("hash");
                    if (hash != null && !hash.isEmpty()) out.put("hash", hash);
                }
                // Taskcluster answers the credentials' expiry; credentials that never expire get a far date
                out.put("expires", Json.format(a.expires() == null ? Instant.parse("3000-01-01T00:00:00Z") : a.expires()));
            }
        } catch (BerthException e) {
            if (e.kind() != BerthException.Kind.AUTHENTICATION_FAILED) throw e;
            out.removeAll();
            out.put("status", "auth-failed");
            out.put("message", e.getMessage());
        }
        ctx.json(out);
    }

    /** Taskcluster's test of client implementations: the tester client's scopes are the body's clientScopes. */
    private void testAuthenticate(Context ctx) {
        JsonNode body = bodies.json(ctx, "auth/v1/test-authenticate-request.json");
        testAuthenticate(ctx, strings(body, "clientScopes"), strings(body, "requiredScopes"));
    }

    /** As testAuthenticate, for GET (and bewits), with Taskcluster's fixed scopes. */
    private void testAuthenticateGet(Context ctx) {
        testAuthenticate(ctx, List.of("test:*", "auth:create-client:test:*"), List.of("test:authenticate-get"));
    }

    private void testAuthenticate(Context ctx, List<String> clientScopes, List<String> requiredScopes) {
        Caller caller = authenticator.authenticateTester(ctx, clientScopes);
        caller.requireAll(requiredScopes);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("clientId", caller.clientId());
        out.set("scopes", Json.MAPPER.valueToTree(dev.berth.core.auth.Scopes.normalize(caller.scopes())));
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
        ctx.json(roleJson(auth.createRole(by(ctx), id, body.path("description").asText(""), scopes)));
    }

    private void updateRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        JsonNode body = bodies.json(ctx, "auth/v1/create-role-request.json");
        List<String> scopes = strings(body, "scopes");
        ctx.json(roleJson(auth.updateRole(by(ctx), id, body.has("description") ? body.get("description").asText() : null, scopes)));
    }

    private void deleteRole(Context ctx) {
        String id = ctx.pathParam("roleId");
        auth.deleteRole(by(ctx), id);
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
