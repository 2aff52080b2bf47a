package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Auth routes other services and tools call: role listings, authenticateHawk, testAuthenticate, cloud credentials. */
class AuthHawkServiceApiTest extends ServerTestSupport {

    private static final String A = "/api/auth/v1";
    /** A request some other service received; authenticateHawk checks it without a connection to that service. */
    private static final URI ELSEWHERE = URI.create("https://other-service.example:8443/api/thing/v1/widget/7?colour=blue");

    private static String unique(String prefix) { return prefix + UUID.randomUUID().toString().substring(0, 8); }

    private SignedHttp.Response newClient(String clientId, String... scopes) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        var arr = b.putArray("scopes");
        for (String s : scopes) arr.add(s);
        b.put("description", "made by AuthHawkServiceApiTest");
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        SignedHttp.Response r = root.put(A + "/clients/" + clientId, b);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }

    private static ObjectNode parts(String method, URI url, String authorization) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("method", method.toLowerCase());
        b.put("resource", Hawk.resourceOf(url));
        b.put("host", url.getHost());
        b.put("port", Hawk.portOf(url));
        if (authorization != null) b.put("authorization", authorization);
        return b;
    }

    private JsonNode authenticateHawk(ObjectNode parts) {
        SignedHttp.Response r = anon.post(A + "/authenticate-hawk", parts);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    @Test
    void listRoleIdsAndListRoles2PageThroughEveryRoleInOrder() {
        String prefix = unique("paging-");
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = prefix + "/" + i;
            ObjectNode b = Json.MAPPER.createObjectNode().put("description", "paging");
            b.putArray("scopes").add("queue:status:" + i);
            assertThat(root.put(A + "/roles/" + id, b).status()).isEqualTo(200);
            mine.add(id);
        }
        for (String route : List.of("/roleids/", "/roles2/")) {
            List<String> seen = new ArrayList<>();
            String token = null;
            int pages = 0;
            do {
                SignedHttp.Response r = root.get(A + route + "?limit=2" + (token == null ? "" : "&continuationToken=" + token));
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                JsonNode items = route.equals("/roleids/") ? r.json().get("roleIds") : r.json().get("roles");
                assertThat(items.size()).isLessThanOrEqualTo(2);
                items.forEach(n -> seen.add(n.isTextual() ? n.asText() : n.get("roleId").asText()));
                if (route.equals("/roles2/") && items.size() > 0) {
                    assertThat(items.get(0).has("expandedScopes")).isTrue();
                }
                token = r.json().path("continuationToken").asText(null);
                pages++;
            } while (token != null && pages < 100);
            assertThat(token).as("paging ends").isNull();
            assertThat(seen).as(route).isSorted().doesNotHaveDuplicates().containsSubsequence(mine).contains("anonymous");
            // without a limit, every role in one answer
            SignedHttp.Response all = root.get(A + route);
            assertThat(all.json().has("continuationToken")).isFalse();
        }
        SignedHttp.Response bad = root.get(A + "/roleids/?continuationToken=not%20a%20token");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("continuationToken");
        assertThat(anon.get(A + "/roleids/").status()).isEqualTo(403);
    }

    @Test
    void authenticateHawkAcceptsAValidHeaderWithTheClientsExpandedScopes() {
        String role = unique("hawk-role-");
        ObjectNode rb = Json.MAPPER.createObjectNode().put("description", "r");
        rb.putArray("scopes").add("queue:get-task:from-role");
        assertThat(root.put(A + "/roles/" + role, rb).status()).isEqualTo(200);
        String id = unique("hawk-client-");
        String token = newClient(id, "widget:read", "assume:" + role).json().get("accessToken").asText();

        JsonNode out = authenticateHawk(parts("GET", ELSEWHERE, Hawk.header("GET", ELSEWHERE, id, token, null, null)));
        assertThat(out.get("status").asText()).as(out.toString()).isEqualTo("auth-success");
        assertThat(out.get("scheme").asText()).isEqualTo("hawk");
        assertThat(out.get("clientId").asText()).isEqualTo(id);
        assertThat(texts(out.get("scopes"))).contains("widget:read", "assume:" + role, "queue:get-task:from-role");
        assertThat(Instant.parse(out.get("expires").asText())).isAfter(Instant.now());
        assertThat(out.has("hash")).isFalse();

        // a header with a payload hash: the hash is handed back for the calling service to check
        String hash = Hawk.payloadHash("{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
        JsonNode hashed = authenticateHawk(parts("POST", ELSEWHERE, Hawk.header("POST", ELSEWHERE, id, token, null, hash)));
        assertThat(hashed.get("status").asText()).as(hashed.toString()).isEqualTo("auth-success");
        assertThat(hashed.get("hash").asText()).isEqualTo(hash);
    }

    @Test
    void authenticateHawkAnswersAuthFailedForABadMacOrAnotherHost() {
        String id = unique("hawk-client-");
        String token = newClient(id, "widget:read").json().get("accessToken").asText();
        JsonNode badMac = authenticateHawk(parts("GET", ELSEWHERE, Hawk.header("GET", ELSEWHERE, id, token + "x", null, null)));
        assertThat(badMac.get("status").asText()).isEqualTo("auth-failed");
        assertThat(badMac.get("message").asText()).isNotBlank();
        assertThat(badMac.has("scopes")).isFalse();

        // signed for one host, presented as received on another
        ObjectNode moved = parts("GET", ELSEWHERE, Hawk.header("GET", ELSEWHERE, id, token, null, null)).put("host", "evil.example");
        assertThat(authenticateHawk(moved).get("status").asText()).isEqualTo("auth-failed");
    }

    @Test
    void authenticateHawkChecksBewitsAndRefusesExpiredOnes() {
        String id = unique("bewit-client-");
        String token = newClient(id, "widget:read").json().get("accessToken").asText();
        URI good = Hawk.bewitUrl(ELSEWHERE, id, token, null, Duration.ofMinutes(5), Instant.now());
        JsonNode ok = authenticateHawk(parts("GET", good, null));
        assertThat(ok.get("status").asText()).as(ok.toString()).isEqualTo("auth-success");
        assertThat(ok.get("clientId").asText()).isEqualTo(id);

        URI expired = Hawk.bewitUrl(ELSEWHERE, id, token, null, Duration.ofSeconds(1), Instant.now().minus(1, ChronoUnit.HOURS));
        JsonNode out = authenticateHawk(parts("GET", expired, null));
        assertThat(out.get("status").asText()).isEqualTo("auth-failed");
        assertThat(out.get("message").asText()).containsIgnoringCase("expired");
    }

    @Test
    void authenticateHawkGivesTemporaryCredentialsOnlyTheirCertificatesScopes() {
        TemporaryCredentials temp = TemporaryCredentials.create(server.rootClientId(), server.rootAccessToken(),
                List.of("widget:read", "widget:write"), Instant.now().minus(1, ChronoUnit.MINUTES),
                Instant.now().plus(1, ChronoUnit.HOURS), null);
        String ext = Ext.encode(temp.certificate(), null);
        JsonNode out = authenticateHawk(parts("POST", ELSEWHERE, Hawk.header("POST", ELSEWHERE, temp.clientId(), temp.accessToken(), ext, null)));
        assertThat(out.get("status").asText()).as(out.toString()).isEqualTo("auth-success");
        assertThat(texts(out.get("scopes"))).containsExactlyInAnyOrder("widget:read", "widget:write");
        assertThat(Instant.parse(out.get("expires").asText())).isBefore(Instant.now().plus(2, ChronoUnit.HOURS));

        String narrowed = Ext.encode(temp.certificate(), List.of("widget:read"));
        JsonNode n = authenticateHawk(parts("POST", ELSEWHERE, Hawk.header("POST", ELSEWHERE, temp.clientId(), temp.accessToken(), narrowed, null)));
        assertThat(texts(n.get("scopes"))).containsExactly("widget:read");
    }

    @Test
    void authenticateHawkWithoutCredentialsIsAnonymousAndMalformedBodiesAre400() {
        JsonNode out = authenticateHawk(parts("GET", ELSEWHERE, null));
        assertThat(out.get("status").asText()).isEqualTo("no-auth");
        assertThat(out.get("scheme").asText()).isEqualTo("none");
        assertThat(texts(out.get("scopes"))).contains("auth:current-scopes");
        assertThat(out.has("clientId")).as("Taskcluster's no-auth answer has no clientId").isFalse();

        SignedHttp.Response bad = anon.post(A + "/authenticate-hawk", Json.MAPPER.createObjectNode().put("method", "get"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("resource");
    }

    @Test
    void testAuthenticateChecksRequiredScopesAgainstTheTestersClientScopes() {
        SignedHttp tester = SignedHttp.signed(server.rootUrl(), "tester", "no-secret");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("clientScopes").add("test:a*").add("other:x");
        body.putArray("requiredScopes").add("test:abc");
        SignedHttp.Response ok = tester.post(A + "/test-authenticate", body);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().get("clientId").asText()).isEqualTo("tester");
        assertThat(texts(ok.json().get("scopes"))).containsExactly("assume:anonymous", "other:x", "test:a*");

        ObjectNode more = body.deepCopy();
        more.putArray("requiredScopes").add("test:b");
        SignedHttp.Response missing = tester.post(A + "/test-authenticate", more);
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.json().get("message").asText()).contains("test:b");

        // authorizedScopes narrow the tester as they narrow real credentials
        SignedHttp narrowed = tester.withAuthorizedScopes(List.of("other:x"));
        assertThat(narrowed.post(A + "/test-authenticate", body).status()).isEqualTo(403);
        SignedHttp.Response exact = tester.withAuthorizedScopes(List.of("test:abc")).post(A + "/test-authenticate", body);
        assertThat(exact.status()).as(exact.toString()).isEqualTo(200);
        assertThat(texts(exact.json().get("scopes"))).containsExactly("assume:anonymous", "test:abc");

        // named temporary credentials issued by the tester answer with their own name
        ObjectNode named = body.deepCopy();
        named.putArray("clientScopes").add("test:*").add("auth:create-client:my-temp-cred");
        TemporaryCredentials temp = TemporaryCredentials.create("tester", "no-secret", List.of("test:abc"),
                Instant.now().minus(1, ChronoUnit.MINUTES), Instant.now().plus(1, ChronoUnit.HOURS), "my-temp-cred");
        SignedHttp.Response n = SignedHttp.signed(server.rootUrl(), temp.clientId(), temp.accessToken())
                .withCertificate(temp.certificate()).post(A + "/test-authenticate", named);
        assertThat(n.status()).as(n.toString()).isEqualTo(200);
        assertThat(n.json().get("clientId").asText()).isEqualTo("my-temp-cred");
        assertThat(texts(n.json().get("scopes"))).containsExactly("assume:anonymous", "test:abc");

        assertThat(SignedHttp.signed(server.rootUrl(), "tester", "wrong").post(A + "/test-authenticate", body).status()).isEqualTo(401);
        // only the tester: real credentials are not accepted here
        assertThat(root.post(A + "/test-authenticate", body).status()).isEqualTo(401);
        assertThat(anon.post(A + "/test-authenticate", body).status()).isEqualTo(401);
    }

    @Test
    void testAuthenticateGetAcceptsTheTesterByHeaderOrBewit() {
        SignedHttp.Response ok = SignedHttp.signed(server.rootUrl(), "tester", "no-secret").get(A + "/test-authenticate-get/");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(texts(ok.json().get("scopes"))).containsExactlyInAnyOrder("assume:anonymous", "test:*", "auth:create-client:test:*");

        URI bewit = Hawk.bewitUrl(URI.create(server.rootUrl() + A + "/test-authenticate-get/"), "tester", "no-secret", null,
                Duration.ofMinutes(5), Instant.now());
        SignedHttp.Response viaBewit = anon.get(bewit.toString());
        assertThat(viaBewit.status()).as(viaBewit.toString()).isEqualTo(200);
        assertThat(viaBewit.json().get("clientId").asText()).isEqualTo("tester");

        // as Taskcluster's: the route requires test:authenticate-get
        SignedHttp.Response narrowed = SignedHttp.signed(server.rootUrl(), "tester", "no-secret")
                .withAuthorizedScopes(List.of("test:get")).get(A + "/test-authenticate-get/");
        assertThat(narrowed.status()).isEqualTo(403);
        assertThat(narrowed.json().get("message").asText()).contains("test:authenticate-get");
        TemporaryCredentials temp = TemporaryCredentials.create("tester", "no-secret", List.of("auth:create-client:test:*"),
                Instant.now().minus(1, ChronoUnit.MINUTES), Instant.now().plus(1, ChronoUnit.HOURS), null);
        SignedHttp t = SignedHttp.signed(server.rootUrl(), temp.clientId(), temp.accessToken()).withCertificate(temp.certificate());
        assertThat(t.get(A + "/test-authenticate-get/").status()).isEqualTo(403);
    }

    @Test
    void cloudCredentialRoutesAreRefusedNamingTheRouteAfterTaskclustersScopeCheck() {
        List<List<String>> routes = List.of(
                List.of("awsS3Credentials", "/aws/s3/read-write/bucket/some/prefix"),
                List.of("azureAccounts", "/azure/accounts"),
                List.of("azureTables", "/azure/acct/tables"),
                List.of("azureTableSAS", "/azure/acct/table/tbl/read-write"),
                List.of("azureContainers", "/azure/acct/containers"),
                List.of("azureContainerSAS", "/azure/acct/containers/cont/read-only"),
                List.of("sentryDSN", "/sentry/proj/dsn"),
                List.of("websocktunnelToken", "/websocktunnel/aud/client"),
                List.of("gcpCredentials", "/gcp/credentials/proj/sa@proj.iam.gserviceaccount.com"));
        for (List<String> route : routes) {
            SignedHttp.Response r = root.get(A + route.get(1));
            assertThat(r.status()).as(route + " " + r).isEqualTo(400);
            assertThat(r.json().get("message").asText()).contains(route.get(0)).contains("does not broker");
            assertThat(anon.get(A + route.get(1)).status()).as(route.toString()).isEqualTo(403);
        }
        // read-only levels are open to a read-only scope; read-write needs the read-write one
        String id = unique("s3-reader-");
        SignedHttp reader = SignedHttp.signed(server.rootUrl(), id,
                newClient(id, "auth:aws-s3:read-only:bucket/*").json().get("accessToken").asText());
        assertThat(reader.get(A + "/aws/s3/read-only/bucket/x").status()).isEqualTo(400);
        SignedHttp.Response rw = reader.get(A + "/aws/s3/read-write/bucket/x");
        assertThat(rw.status()).isEqualTo(403);
        assertThat(rw.json().get("message").asText()).contains("auth:aws-s3:read-write:bucket/x");
    }
}
