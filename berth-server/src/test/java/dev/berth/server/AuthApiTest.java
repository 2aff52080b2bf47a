package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuthApiTest extends ServerTestSupport {

    private static final String A = "/api/auth/v1";

    private static String uniqueId(String prefix) { return prefix + UUID.randomUUID().toString().substring(0, 8); }

    private static ObjectNode scopes(String... scopes) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        var arr = b.putArray("scopes");
        for (String s : scopes) arr.add(s);
        b.put("description", "made by AuthApiTest");
        return b;
    }

    private static ObjectNode client(String... scopeList) {
        return scopes(scopeList).put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
    }

    private SignedHttp newClient(String clientId, String... scopeList) {
        SignedHttp.Response r = root.put(A + "/clients/" + clientId, client(scopeList));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return SignedHttp.signed(server.rootUrl(), clientId, r.json().get("accessToken").asText());
    }

    @Test
    void anUnsignedRequestGetsAnonymousScopes() {
        String id = createTask(newQueue());
        assertThat(anon.get(Q + "/task/" + id + "/status").status()).isEqualTo(200);
        SignedHttp.Response r = anon.put(Q + "/task/" + newTaskId(), taskBody(newQueue()));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().get("message").asText()).contains("queue:create-task:").contains("anonymous");
        assertThat(anon.get(A + "/scopes/current").json().get("clientId").asText()).isEqualTo("anonymous");
    }

    @Test
    void aWrongAccessTokenIs401() {
        SignedHttp wrong = SignedHttp.signed(server.rootUrl(), server.rootClientId(), "not-the-token-at-all-0000000000000");
        SignedHttp.Response r = wrong.get(A + "/scopes/current");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("code").asText()).isNotBlank();
        SignedHttp unknown = SignedHttp.signed(server.rootUrl(), "nobody-" + UUID.randomUUID(), "whatever-token");
        assertThat(unknown.get(A + "/scopes/current").status()).isEqualTo(401);
    }

    @Test
    void expiredOrForgedCertificatesAre401() {
        TemporaryCredentials expired = TemporaryCredentials.create(server.rootClientId(), server.rootAccessToken(),
                List.of("auth:current-scopes"), Instant.now().minus(2, ChronoUnit.HOURS), Instant.now().minus(1, ChronoUnit.HOURS), null);
        SignedHttp e = SignedHttp.signed(server.rootUrl(), expired.clientId(), expired.accessToken()).withCertificate(expired.certificate());
        assertThat(e.get(A + "/scopes/current").status()).isEqualTo(401);

        TemporaryCredentials forged = TemporaryCredentials.create(server.rootClientId(), "some-other-token-not-root",
                List.of("*"), Instant.now().minus(1, ChronoUnit.MINUTES), Instant.now().plus(1, ChronoUnit.HOURS), null);
        SignedHttp f = SignedHttp.signed(server.rootUrl(), forged.clientId(), forged.accessToken()).withCertificate(forged.certificate());
        assertThat(f.get(A + "/scopes/current").status()).isEqualTo(401);

        TemporaryCredentials good = TemporaryCredentials.create(server.rootClientId(), server.rootAccessToken(),
                List.of("auth:current-scopes", "queue:status:*"), Instant.now().minus(1, ChronoUnit.MINUTES),
                Instant.now().plus(1, ChronoUnit.HOURS), null);
        SignedHttp g = SignedHttp.signed(server.rootUrl(), good.clientId(), good.accessToken()).withCertificate(good.certificate());
        SignedHttp.Response cur = g.get(A + "/scopes/current");
        assertThat(cur.status()).isEqualTo(200);
        assertThat(texts(cur.json().get("scopes"))).containsExactlyInAnyOrder("auth:current-scopes", "queue:status:*");
    }

    @Test
    void authorizedScopesNarrowTheRequest() {
        SignedHttp narrowed = root.withAuthorizedScopes(List.of("auth:current-scopes", "queue:status:*"));
        assertThat(texts(narrowed.get(A + "/scopes/current").json().get("scopes")))
                .containsExactlyInAnyOrder("auth:current-scopes", "queue:status:*");
        SignedHttp.Response r = narrowed.put(Q + "/task/" + newTaskId(), taskBody(newQueue()));
        assertThat(r.status()).isEqualTo(403);
    }

    @Test
    void clientsAreCreatedReadListedUpdatedResetAndDeleted() {
        String prefix = uniqueId("test-clients/");
        String id = prefix + "/one";
        SignedHttp client = newClient(id, "queue:status:*", "auth:current-scopes");
        assertThat(texts(client.get(A + "/scopes/current").json().get("scopes"))).contains("queue:status:*");

        JsonNode read = root.get(A + "/clients/" + id).json();
        assertThat(read.get("clientId").asText()).isEqualTo(id);
        assertThat(read.has("accessToken")).isFalse();
        assertThat(texts(read.get("scopes"))).containsExactlyInAnyOrder("queue:status:*", "auth:current-scopes");

        newClient(prefix + "/two");
        SignedHttp.Response list = root.get(A + "/clients/?prefix=" + prefix);
        assertThat(list.status()).isEqualTo(200);
        List<String> ids = new java.util.ArrayList<>();
        list.json().get("clients").forEach(c -> ids.add(c.get("clientId").asText()));
        assertThat(ids).containsExactlyInAnyOrder(prefix + "/one", prefix + "/two");

        SignedHttp.Response updated = root.post(A + "/clients/" + id, client("queue:status:*", "auth:current-scopes", "queue:get-task:*"));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(texts(updated.json().get("scopes"))).contains("queue:get-task:*");

        SignedHttp.Response reset = root.post(A + "/clients/" + id + "/reset", null);
        assertThat(reset.status()).isEqualTo(200);
        assertThat(client.get(A + "/scopes/current").status()).isEqualTo(401);
        SignedHttp fresh = SignedHttp.signed(server.rootUrl(), id, reset.json().get("accessToken").asText());
        assertThat(fresh.get(A + "/scopes/current").status()).isEqualTo(200);

        assertThat(root.delete(A + "/clients/" + id).status()).isEqualTo(200);
        assertThat(root.get(A + "/clients/" + id).status()).isEqualTo(404);
        assertThat(fresh.get(A + "/scopes/current").status()).isEqualTo(401);
    }

    @Test
    void rolesAreCreatedReadListedUpdatedAndDeletedAndAssumeExpandsThem() {
        String role = uniqueId("test-role-");
        SignedHttp.Response created = root.put(A + "/roles/" + role, scopes("queue:create-task:*", "queue:scheduler-id:*"));
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        assertThat(root.get(A + "/roles/" + role).json().get("roleId").asText()).isEqualTo(role);
        List<String> roles = new java.util.ArrayList<>();
        root.get(A + "/roles/").json().forEach(r -> roles.add(r.get("roleId").asText()));
        assertThat(roles).contains(role, "anonymous");

        SignedHttp client = newClient(uniqueId("test-assumer-"), "assume:" + role, "auth:current-scopes");
        assertThat(texts(client.get(A + "/scopes/current").json().get("scopes"))).contains("queue:create-task:*");
        // the role's scopes let the client create a task
        assertThat(client.put(Q + "/task/" + newTaskId(), taskBody(newQueue())).status()).isEqualTo(200);

        SignedHttp.Response updated = root.post(A + "/roles/" + role, scopes("queue:status:*"));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(texts(updated.json().get("scopes"))).containsExactly("queue:status:*");

        assertThat(root.delete(A + "/roles/" + role).status()).isEqualTo(200);
        assertThat(root.get(A + "/roles/" + role).status()).isEqualTo(404);
    }

    @Test
    void expandScopesFollowsRoles() {
        String role = uniqueId("test-expand-");
        root.put(A + "/roles/" + role, scopes("queue:get-task:x", "queue:status:x"));
        SignedHttp.Response r = root.post(A + "/scopes/expand", json("scopes", List.of("assume:" + role)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(texts(r.json().get("scopes"))).contains("assume:" + role, "queue:get-task:x", "queue:status:x");
    }

    @Test
    void aClientCannotCreateAClientWithScopesItLacks() {
        String id = uniqueId("test-creator-");
        SignedHttp creator = newClient(id, "auth:create-client:" + id + "/*", "queue:status:*");
        assertThat(creator.put(A + "/clients/" + id + "/ok", client("queue:status:*")).status()).isEqualTo(200);
        SignedHttp.Response r = creator.put(A + "/clients/" + id + "/bad", client("queue:status:*", "auth:*"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().get("message").asText()).contains("auth:*");
    }
}
