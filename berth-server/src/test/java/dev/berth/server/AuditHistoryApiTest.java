package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import dev.berth.testing.SignedHttp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** getEntityHistory and listAuditHistory: who changed a client or role, how and when, as Taskcluster answers. */
class AuditHistoryApiTest extends ServerTestSupport {

    private static final String A = "/api/auth/v1";
    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Clock clock() { return clock; }

    /** Near real time, so Hawk timestamps stay within the allowed skew; tests move it on by seconds. */
    @BeforeEach
    void resetClock() { clock.set(Instant.now()); }

    private static String uniqueId(String prefix) { return prefix + UUID.randomUUID().toString().substring(0, 8); }

    private static ObjectNode body(String... scopes) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("description", "made by AuditHistoryApiTest")
                .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        var arr = b.putArray("scopes");
        for (String s : scopes) arr.add(s);
        return b;
    }

    /** Creates a client as root; returns its access token. */
    private String create(String clientId, String... scopes) {
        SignedHttp.Response r = root.put(A + "/clients/" + clientId, body(scopes));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("accessToken").asText();
    }

    private SignedHttp as(String clientId, String token) { return SignedHttp.signed(server.rootUrl(), clientId, token); }

    private Instant tick() { return clock.advance(Duration.ofSeconds(1)); }

    private static void ok(SignedHttp.Response r) { assertThat(r.status()).as(r.toString()).isEqualTo(200); }

    private record Seen(String clientId, String actionType, Instant created) {}

    /** Every entry of a history (following continuation tokens), checked to carry exactly Taskcluster's fields. */
    private List<Seen> history(SignedHttp who, String path, String entityType, String entityId) {
        List<Seen> out = new ArrayList<>();
        String token = null;
        do {
            SignedHttp.Response r = who.get(path + (token == null ? "?limit=2" : "?limit=2&continuationToken=" + token));
            ok(r);
            JsonNode page = r.json();
            for (JsonNode e : page.get("auditHistory")) {
                List<String> fields = new ArrayList<>();
                e.fieldNames().forEachRemaining(fields::add);
                assertThat(fields).containsExactlyInAnyOrder("clientId", "actionType", "created", "entityId", "entityType");
                if (entityType != null) {
                    assertThat(e.get("entityType").asText()).isEqualTo(entityType);
                    assertThat(e.get("entityId").asText()).isEqualTo(entityId);
                }
                out.add(new Seen(e.get("clientId").asText(), e.get("actionType").asText(), Instant.parse(e.get("created").asText())));
            }
            token = page.path("continuationToken").asText(null);
            if (token != null) assertThat(page.get("auditHistory")).hasSize(2);
        } while (token != null);
        return out;
    }

    private List<Seen> entityHistory(String entityType, String entityId) {
        return history(root, A + "/audit/" + entityType + "/" + entityId, entityType, entityId);
    }

    @Test
    void aClientsHistoryShowsWhoCreatedUpdatedResetDisabledEnabledAndDeletedItAndWhen() {
        String admin = uniqueId("audit/admin-");
        String adminToken = create(admin, "auth:update-client:audit/*", "auth:disable-client:audit/*", "auth:enable-client:audit/*");
        String id = uniqueId("audit/subject-");
        List<Seen> expected = new ArrayList<>();
        List<String> tokens = new ArrayList<>(List.of(adminToken));

        expected.add(new Seen(server.rootClientId(), "created", tick()));
        tokens.add(create(id, "auth:reset-access-token:" + id));
        expected.add(new Seen(admin, "updated", tick()));
        ok(as(admin, adminToken).post(A + "/clients/" + id, body("auth:reset-access-token:" + id).put("description", "changed")));
        expected.add(new Seen(id, "access token reset", tick()));
        SignedHttp.Response reset = as(id, tokens.getLast()).post(A + "/clients/" + id + "/reset", null);
        ok(reset);
        tokens.add(reset.json().get("accessToken").asText());
        expected.add(new Seen(admin, "client disabled", tick()));
        ok(as(admin, adminToken).post(A + "/clients/" + id + "/disable", null));
        expected.add(new Seen(admin, "client enabled", tick()));
        ok(as(admin, adminToken).post(A + "/clients/" + id + "/enable", null));
        expected.add(new Seen(server.rootClientId(), "deleted", tick()));
        ok(root.delete(A + "/clients/" + id));

        assertThat(entityHistory("client", id)).containsExactlyElementsOf(expected);
        // no access token anywhere in the answers
        String text = root.get(A + "/audit/client/" + id).text() + root.get(A + "/clients/" + admin + "/audit").text();
        for (String token : tokens) assertThat(text).doesNotContain(token);
    }

    @Test
    void aClientDeletedAndCreatedAgainShowsItsWholeHistory() {
        String id = uniqueId("audit/again-");
        List<Seen> expected = new ArrayList<>();
        for (int life = 0; life < 2; life++) {
            expected.add(new Seen(server.rootClientId(), "created", tick()));
            create(id);
            expected.add(new Seen(server.rootClientId(), "deleted", tick()));
            ok(root.delete(A + "/clients/" + id));
        }
        expected.add(new Seen(server.rootClientId(), "created", tick()));
        create(id);

        assertThat(entityHistory("client", id)).containsExactlyElementsOf(expected);
    }

    @Test
    void aRolesHistoryShowsItsCreationUpdateAndDeletion() {
        String roleId = uniqueId("audit-role:");
        String admin = uniqueId("audit/roles-");
        String adminToken = create(admin, "auth:update-role:audit-role:*", "x:*");
        ObjectNode role = Json.MAPPER.createObjectNode().put("description", "d");
        role.putArray("scopes").add("x:a");

        Instant created = tick();
        ok(root.put(A + "/roles/" + roleId, role));
        Instant updated = tick();
        role.withArray("scopes").add("x:b");
        ok(as(admin, adminToken).post(A + "/roles/" + roleId, role));
        Instant deleted = tick();
        ok(root.delete(A + "/roles/" + roleId));

        assertThat(entityHistory("role", roleId)).containsExactly(new Seen(server.rootClientId(), "created", created),
                new Seen(admin, "updated", updated), new Seen(server.rootClientId(), "deleted", deleted));
        assertThat(entityHistory("client", roleId)).isEmpty();
    }

    @Test
    void listAuditHistoryShowsWhatOneClientDidToAnyEntity() {
        String actor = uniqueId("audit/actor-");
        String token = create(actor, "auth:create-role:audit-actor:*", "auth:create-client:audit/made-by-actor-*",
                "auth:delete-client:audit/made-by-actor-*");
        String roleId = uniqueId("audit-actor:");
        String clientId = uniqueId("audit/made-by-actor-");
        ObjectNode role = Json.MAPPER.createObjectNode().put("description", "d");
        role.putArray("scopes");

        ok(as(actor, token).put(A + "/roles/" + roleId, role));
        ok(as(actor, token).put(A + "/clients/" + clientId, body()));
        ok(as(actor, token).delete(A + "/clients/" + clientId));
        // refused or without effect: recorded nowhere
        assertThat(as(actor, token).put(A + "/roles/" + roleId, role).status()).isEqualTo(409);
        ok(as(actor, token).delete(A + "/clients/" + uniqueId("audit/made-by-actor-none-")));

        List<String> done = new ArrayList<>();
        Iterator<JsonNode> it = root.get(A + "/clients/" + actor + "/audit").json().get("auditHistory").elements();
        it.forEachRemaining(e -> done.add(e.get("clientId").asText() + " " + e.get("actionType").asText() + " "
                + e.get("entityType").asText() + " " + e.get("entityId").asText()));
        assertThat(done).containsExactly(actor + " created role " + roleId, actor + " created client " + clientId,
                actor + " deleted client " + clientId);
    }

    @Test
    void eachRouteNeedsItsScope() {
        String reader = uniqueId("audit/reader-");
        SignedHttp roleReader = as(reader, create(reader, "auth:audit-history:role", "auth:client-audit-history:audit/reader-*"));

        SignedHttp.Response anonymousRole = roleReader.get(A + "/audit/role/anonymous");
        ok(anonymousRole);
        // made by the server at its first start, with its root client's authority
        JsonNode first = anonymousRole.json().get("auditHistory").get(0);
        assertThat(first.get("clientId").asText() + " " + first.get("actionType").asText()).isEqualTo(server.rootClientId() + " created");
        SignedHttp.Response refused = roleReader.get(A + "/audit/client/" + reader);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("message").asText()).contains("auth:audit-history:client");
        assertThat(roleReader.get(A + "/clients/" + reader + "/audit").status()).isEqualTo(200);
        SignedHttp.Response other = roleReader.get(A + "/clients/" + server.rootClientId() + "/audit");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().get("message").asText()).contains("auth:client-audit-history:" + server.rootClientId());
        assertThat(anon.get(A + "/audit/role/anonymous").status()).isEqualTo(403);
    }

    @Test
    void badEntityTypesTokensAndLimitsAre400NamingTheProblem() {
        SignedHttp.Response type = root.get(A + "/audit/clients/x");
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.json().get("message").asText()).contains("entityType");
        SignedHttp.Response token = root.get(A + "/audit/client/x?continuationToken=garbage");
        assertThat(token.status()).isEqualTo(400);
        assertThat(token.json().get("message").asText()).contains("continuationToken");
        assertThat(root.get(A + "/clients/x/audit?limit=0").status()).isEqualTo(400);
        // a type Taskcluster audits but Berth does not keep: an empty history
        SignedHttp.Response hooks = root.get(A + "/audit/hook/some-hook");
        ok(hooks);
        assertThat(hooks.json().get("auditHistory")).isEmpty();
        assertThat(hooks.json().has("continuationToken")).isFalse();
    }
}
