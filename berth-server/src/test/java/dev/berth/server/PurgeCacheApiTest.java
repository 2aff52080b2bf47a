package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.SignedHttp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The purge-cache v1 routes with their Taskcluster scopes and shapes, over real HTTP on H2. */
class PurgeCacheApiTest extends ServerTestSupport {

    private static final String P = "/api/purge-cache/v1";

    private SignedHttp clientWith(String... scopes) {
        String id = "purge-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        SignedHttp.Response r = root.put("/api/auth/v1/clients/" + id, Map.of("description", "purge-cache test",
                "expires", Instant.now().plusSeconds(3600).toString(), "scopes", List.of(scopes)));
        assertThat(r.status()).isEqualTo(200);
        return SignedHttp.signed(server.rootUrl(), id, r.json().get("accessToken").asText());
    }

    @Test
    void aPurgeNeedsTheScopeForItsPoolAndCacheName() {
        String pool = "proj/" + newQueue().replaceAll(".*/", "");
        SignedHttp person = clientWith("purge-cache:" + pool + ":objdir");

        assertThat(person.post(P + "/purge-cache/" + pool, Map.of("cacheName", "objdir")).status()).isEqualTo(204);
        SignedHttp.Response refused = person.post(P + "/purge-cache/" + pool, Map.of("cacheName", "other"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text()).contains("purge-cache:" + pool + ":other");
    }

    @Test
    void aWorkerSeesItsPoolsRequestsWithTaskclustersShapeAndSinceFiltersThem() throws Exception {
        String pool = "proj/" + newQueue().replaceAll(".*/", "");
        assertThat(root.post(P + "/purge-cache/" + pool, Map.of("cacheName", "objdir")).status()).isEqualTo(204);
        SignedHttp worker = clientWith("purge-cache:purge-requests::" + pool);

        JsonNode requests = worker.get(P + "/purge-cache/" + pool).json().get("requests");
        assertThat(requests).hasSize(1);
        JsonNode r = requests.get(0);
        assertThat(r.get("provisionerId").asText()).isEqualTo("proj");
        assertThat(r.get("workerType").asText()).isEqualTo(pool.substring(5));
        assertThat(r.get("cacheName").asText()).isEqualTo("objdir");
        Instant before = Instant.parse(r.get("before").asText());

        assertThat(worker.get(P + "/purge-cache/" + pool + "?since=" + before.plusMillis(1)).json().get("requests")).isEmpty();
        assertThat(worker.get(P + "/purge-cache/" + pool + "?since=" + before).json().get("requests")).hasSize(1);
        // the slash of the pool id may come encoded, as taskcluster-client sends it
        assertThat(worker.get(P + "/purge-cache/" + pool.replace("/", "%2F")).json().get("requests")).hasSize(1);
        assertThat(worker.get(P + "/purge-cache/proj/another").status()).isEqualTo(403);
        assertThat(worker.get(P + "/purge-cache/" + pool + "?since=yesterday").status()).isEqualTo(400);
    }

    @Test
    void allPurgeRequestsPagesAndNeedsItsScope() {
        String pool = "proj/" + newQueue().replaceAll(".*/", "");
        for (String name : List.of("a", "b", "c")) root.post(P + "/purge-cache/" + pool, Map.of("cacheName", name));
        SignedHttp admin = clientWith("purge-cache:all-purge-requests");

        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            JsonNode page = admin.get(P + "/purge-cache/list?limit=2" + (token == null ? "" : "&continuationToken=" + token)).json();
            page.get("requests").forEach(r -> {
                if (r.get("workerType").asText().equals(pool.substring(5))) seen.add(r.get("cacheName").asText());
            });
            token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
        } while (token != null);
        assertThat(seen).containsExactly("a", "b", "c");
        assertThat(clientWith().get(P + "/purge-cache/list").status()).isEqualTo(403);
    }

    @Test
    void badPoolIdsAndBodiesAreRefusedNamingTheProblem() {
        SignedHttp.Response noSlash = root.post(P + "/purge-cache/noslash", Map.of("cacheName", "x"));
        assertThat(noSlash.status()).isEqualTo(400);
        assertThat(noSlash.text()).contains("workerPoolId");
        SignedHttp.Response noName = root.post(P + "/purge-cache/proj/x", Map.of("name", "x"));
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.text()).contains("cacheName");
        SignedHttp.Response tooLong = root.post(P + "/purge-cache/proj/x", Map.of("cacheName", "x".repeat(257)));
        assertThat(tooLong.status()).isEqualTo(400);
    }

    @Test
    void monitoringRoutesAnswerWithoutCredentials() {
        assertThat(anon.get(P + "/ping").status()).isEqualTo(200);
        assertThat(anon.get(P + "/__lbheartbeat__").status()).isEqualTo(200);
        assertThat(anon.get(P + "/__heartbeat__").status()).isEqualTo(200);
        assertThat(anon.get(P + "/__version__").json().has("version")).isTrue();
    }
}
