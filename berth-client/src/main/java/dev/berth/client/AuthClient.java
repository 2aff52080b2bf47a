package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Auth v1 routes, named and shaped as in taskcluster-client's {@code apis.js} (entry {@code Auth}). */
public final class AuthClient {

    public static final String SERVICE = "auth";

    private final BerthClient client;

    AuthClient(BerthClient client) { this.client = client; }

    public JsonNode ping() { return client.get(SERVICE, "/ping"); }

    /**
     * PUT /clients/&lt;clientId&gt; with {@code {description, expires, scopes, deleteOnExpiration}}; the response
     * is the only time the new client's {@code accessToken} is shown.
     */
    public JsonNode createClient(String clientId, Object request) {
        return client.request("PUT", SERVICE, BerthClient.path("/clients/<clientId>", clientId), null, request);
    }

    public JsonNode client(String clientId) {
        return client.get(SERVICE, BerthClient.path("/clients/<clientId>", clientId));
    }

    /** GET /clients/ (note the trailing slash, as in apis.js), one page, optionally by clientId prefix. */
    public JsonNode listClients(String prefix, String continuationToken, Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("prefix", prefix);
        query.putAll(QueueClient.page(continuationToken, limit));
        return client.request("GET", SERVICE, "/clients/", query, null);
    }

    public JsonNode updateClient(String clientId, Object request) {
        return client.request("POST", SERVICE, BerthClient.path("/clients/<clientId>", clientId), null, request);
    }

    public void deleteClient(String clientId) {
        client.request("DELETE", SERVICE, BerthClient.path("/clients/<clientId>", clientId), null, null);
    }

    /** POST /clients/&lt;clientId&gt;/reset: a new access token, returned once. */
    public JsonNode resetAccessToken(String clientId) {
        return client.request("POST", SERVICE, BerthClient.path("/clients/<clientId>/reset", clientId), null, null);
    }

    /** PUT /roles/&lt;roleId&gt; with {@code {description, scopes}}. */
    public JsonNode createRole(String roleId, Object request) {
        return client.request("PUT", SERVICE, BerthClient.path("/roles/<roleId>", roleId), null, request);
    }

    public JsonNode role(String roleId) { return client.get(SERVICE, BerthClient.path("/roles/<roleId>", roleId)); }

    /** GET /roles/: every role, as a JSON array. */
    public JsonNode listRoles() { return client.get(SERVICE, "/roles/"); }

    public JsonNode updateRole(String roleId, Object request) {
        return client.request("POST", SERVICE, BerthClient.path("/roles/<roleId>", roleId), null, request);
    }

    public void deleteRole(String roleId) {
        client.request("DELETE", SERVICE, BerthClient.path("/roles/<roleId>", roleId), null, null);
    }

    /** GET /scopes/current: {@code {scopes}} the calling credentials hold, expanded. */
    public JsonNode currentScopes() { return client.get(SERVICE, "/scopes/current"); }

    /** POST /scopes/expand with {@code {scopes}}: the scopes expanded through roles. */
    public JsonNode expandScopes(List<String> scopes) {
        return client.request("POST", SERVICE, "/scopes/expand", null, Map.of("scopes", scopes));
    }
}
