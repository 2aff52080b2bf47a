package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker-manager v1 routes with their Taskcluster scopes and shapes, over real HTTP on H2. */
class WorkerManagerApiTest extends ServerTestSupport {

    private static final String WM = "/api/worker-manager/v1";

    private SignedHttp clientWith(String... scopes) {
        String id = "wm-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        SignedHttp.Response r = root.put("/api/auth/v1/clients/" + id, Map.of("description", "worker-manager test",
                "expires", Instant.now().plusSeconds(3600).toString(), "scopes", List.of(scopes)));
        assertThat(r.status()).isEqualTo(200);
        return SignedHttp.signed(server.rootUrl(), id, r.json().get("accessToken").asText());
    }

    private static String newPool() { return "proj/" + newQueue().replaceAll(".*/", ""); }

    private static String enc(String poolId) { return poolId.replace("/", "%2F"); }

    private static ObjectNode poolBody(int maxCapacity) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("providerId", "docker").put("description", "builds")
                .put("owner", "ops@example.com").put("emailOnError", false);
        ObjectNode c = b.putObject("config").put("image", "berth/worker:latest").put("maxCapacity", maxCapacity).put("idleTimeout", 0);
        c.putArray("dockerHosts").add("unix:///var/run/docker.sock");
        return b;
    }

    @Test
    void aPoolIsCreatedReadUpdatedListedAndDeletedWithTaskclustersShapes() {
        String pool = newPool();
        SignedHttp.Response created = root.put(WM + "/worker-pool/" + enc(pool), poolBody(3));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        JsonNode p = created.json();
        assertThat(p.get("workerPoolId").asText()).isEqualTo(pool);
        assertThat(p.get("providerId").asText()).isEqualTo("docker");
        assertThat(p.at("/config/maxCapacity").asInt()).isEqualTo(3);
        for (String f : List.of("created", "lastModified", "currentCapacity", "requestedCount", "runningCount", "stoppingCount",
                "stoppedCount", "requestedCapacity", "runningCapacity", "stoppingCapacity", "stoppedCapacity", "owner", "emailOnError")) {
            assertThat(p.has(f)).as(f).isTrue();
        }
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(3)).status()).isEqualTo(409);

        // the answer of workerPool may be sent back to updateWorkerPool, as Taskcluster's docs suggest, minus the counts
        ObjectNode back = (ObjectNode) root.get(WM + "/worker-pool/" + enc(pool)).json();
        back.retain("workerPoolId", "providerId", "description", "config", "owner", "emailOnError", "created", "lastModified");
        ((ObjectNode) back.get("config")).put("maxCapacity", 5);
        SignedHttp.Response updated = root.post(WM + "/worker-pool/" + enc(pool), back);
        assertThat(updated.status()).as(updated.text()).isEqualTo(200);
        assertThat(root.get(WM + "/worker-pool/" + enc(pool)).json().at("/config/maxCapacity").asInt()).isEqualTo(5);

        List<String> listed = new ArrayList<>();
        String token = null;
        do {
            JsonNode page = root.get(WM + "/worker-pools?limit=1" + (token == null ? "" : "&continuationToken=" + token)).json();
            page.get("workerPools").forEach(x -> listed.add(x.get("workerPoolId").asText()));
            token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
        } while (token != null);
        assertThat(listed).contains(pool);

        JsonNode deleted = root.delete(WM + "/worker-pool/" + enc(pool)).json();
        assertThat(deleted.get("providerId").asText()).isEqualTo("null-provider");
        assertThat(root.get(WM + "/worker-pool/" + enc(pool)).json().get("providerId").asText()).isEqualTo("null-provider");
        // no worker is left, so the next sweep removes it
        server.sweep();
        assertThat(root.get(WM + "/worker-pool/" + enc(pool)).status()).isEqualTo(404);
    }

    @Test
    void managingAPoolNeedsItsScopeAndTheProvidersScope() {
        String pool = newPool();
        SignedHttp onlyPool = clientWith("worker-manager:manage-worker-pool:" + pool);
        SignedHttp both = clientWith("worker-manager:manage-worker-pool:" + pool, "worker-manager:provider:docker");

        SignedHttp.Response refused = onlyPool.put(WM + "/worker-pool/" + enc(pool), poolBody(1));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text()).contains("worker-manager:provider:docker");
        assertThat(both.put(WM + "/worker-pool/" + enc(pool), poolBody(1)).status()).isEqualTo(200);
        assertThat(both.put(WM + "/worker-pool/" + enc("proj/elsewhere"), poolBody(1)).status()).isEqualTo(403);
        // deleting needs no provider scope (it sets null-provider), as in Taskcluster
        assertThat(onlyPool.delete(WM + "/worker-pool/" + enc(pool)).status()).isEqualTo(200);
        assertThat(clientWith().get(WM + "/worker-pools").status()).isEqualTo(403);
        assertThat(clientWith("worker-manager:list-worker-pools").get(WM + "/worker-pools").status()).isEqualTo(200);
        assertThat(clientWith("worker-manager:list-providers").get(WM + "/providers").json().at("/providers/0/providerId").asText())
                .isEqualTo("docker");
    }

    @Test
    void everyReadRefusesAnUnsignedCallerNamingTheScopeItNeeds() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(1)).status()).isEqualTo(200);
        int checked = 0;
        for (dev.berth.server.http.RouteTable table : server.routeTables()) {
            if (!table.prefix().equals(WM)) continue;
            for (dev.berth.server.http.RouteTable.Route route : table.routes()) {
                if (route.scopes() == null || !route.method().name().equals("GET")) continue;
                String path = route.path().replace("{workerPoolId}", enc(pool)).replace("{workerGroup}", "g").replace("{workerId}", "w")
                        .replace("{provisionerId}", "proj").replace("{workerType}", pool.substring(5));
                SignedHttp.Response r = anon.get(path + (route.name().equals("workerPoolErrorStats") ? "?workerPoolId=" + enc(pool) : ""));
                assertThat(r.status()).as(route.name() + " " + r.text()).isEqualTo(403);
                assertThat(r.text()).as(route.name()).contains("worker-manager:");
                checked++;
            }
        }
        assertThat(checked).as("GET routes with scopes").isEqualTo(13);
    }

    @Test
    void markingAPoolForDeletionByUpdateNeedsTheNullProvidersScopeAsInTaskcluster() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(1)).status()).isEqualTo(200);
        SignedHttp docker = clientWith("worker-manager:manage-worker-pool:" + pool, "worker-manager:provider:docker");
        ObjectNode toNull = poolBody(1).put("providerId", "null-provider");

        SignedHttp.Response refused = docker.post(WM + "/worker-pool/" + enc(pool), toNull);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text()).contains("worker-manager:provider:null-provider");
        SignedHttp.Response marked = root.post(WM + "/worker-pool/" + enc(pool), toNull);
        assertThat(marked.status()).as(marked.text()).isEqualTo(200);
        assertThat(marked.json().get("providerId").asText()).isEqualTo("null-provider");
        // and back again before the sweep removes it
        assertThat(docker.post(WM + "/worker-pool/" + enc(pool), poolBody(2)).json().get("providerId").asText()).isEqualTo("docker");
        server.sweep();
        assertThat(root.get(WM + "/worker-pool/" + enc(pool)).status()).isEqualTo(200);
    }

    @Test
    void workersArePagedWithTheContinuationToken() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(5)).status()).isEqualTo(200);
        for (String id : List.of("w3", "w1", "w2")) {
            assertThat(root.put(WM + "/workers/" + enc(pool) + "/g/" + id, Map.of("expires", Instant.now().plusSeconds(600).toString()))
                    .status()).isEqualTo(200);
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonNode page = root.get(WM + "/workers/" + enc(pool) + "?limit=2" + (token == null ? "" : "&continuationToken=" + token)).json();
            page.get("workers").forEach(w -> seen.add(w.get("workerId").asText()));
            token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            pages++;
        } while (token != null);
        assertThat(seen).containsExactly("w1", "w2", "w3");
        assertThat(pages).isEqualTo(2);
    }

    @Test
    void aBadConfigIsA400NamingTheField() {
        ObjectNode body = poolBody(1);
        ((ObjectNode) body.get("config")).put("pullPolicy", "sometimes");
        SignedHttp.Response r = root.put(WM + "/worker-pool/" + enc(newPool()), body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("pullPolicy");
        assertThat(root.get("/schemas/worker-manager/v1/docker-provider-config.json").json().at("/properties/dockerHosts/minItems").asInt())
                .isEqualTo(1);
    }

    @Test
    void workersAreCreatedListedCountedAndRemovedWithTheirScopes() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(3)).status()).isEqualTo(200);
        String one = WM + "/workers/" + enc(pool) + "/local/w1";
        Map<String, Object> expires = Map.of("expires", Instant.now().plusSeconds(3600).toString());

        assertThat(clientWith("worker-manager:create-worker:" + pool + "/local/w2").put(one, expires).status()).isEqualTo(403);
        JsonNode w = clientWith("worker-manager:create-worker:" + pool + "/local/*").put(one, expires).json();
        assertThat(w.get("state").asText()).isEqualTo("requested");
        assertThat(w.get("capacity").asInt()).isEqualTo(1);
        assertThat(root.put(one, expires).status()).isEqualTo(409);
        assertThat(root.put(WM + "/workers/" + enc(pool) + "/other/w2", Map.of("expires", Instant.now().plusSeconds(60).toString(),
                "capacity", 2)).status()).isEqualTo(200);

        JsonNode stats = root.get(WM + "/worker-pool/" + enc(pool) + "/stats").json().at("/launchConfigStats/0");
        assertThat(stats.get("requestedCount").asInt()).isEqualTo(2);
        assertThat(stats.get("requestedCapacity").asInt()).isEqualTo(3);
        assertThat(root.get(WM + "/workers/" + enc(pool)).json().get("workers")).hasSize(2);
        assertThat(root.get(WM + "/workers/" + enc(pool) + "/local").json().get("workers")).hasSize(1);
        assertThat(clientWith("worker-manager:get-worker:" + pool + "/local/w1").get(one).json().get("workerId").asText()).isEqualTo("w1");
        JsonNode asQueueSees = root.get(WM + "/provisioners/proj/worker-types/" + pool.substring(5) + "/workers/local/w1").json();
        assertThat(asQueueSees.get("state").asText()).isEqualTo("requested");
        assertThat(asQueueSees.get("recentTasks")).isEmpty();
        assertThat(root.get(WM + "/provisioners/proj/worker-types/" + pool.substring(5) + "/workers?workerState=requested")
                .json().get("workers")).hasSize(2);

        assertThat(clientWith().delete(one).status()).isEqualTo(403);
        assertThat(root.delete(one).status()).isEqualTo(200);
        assertThat(root.get(one).json().get("state").asText()).isEqualTo("stopping");
        assertThat(root.get(WM + "/workers/" + enc(pool) + "?state=stopping").json().get("workers")).hasSize(1);
        assertThat(root.get(WM + "/workers/" + enc(pool) + "/local/nobody").status()).isEqualTo(404);
    }

    @Test
    void aWorkerReportsAnErrorWithItsOwnIdentityAndItIsListedAndCounted() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(1)).status()).isEqualTo(200);
        SignedHttp worker = clientWith("assume:worker-pool:" + pool, "assume:worker-id:local/w1");
        Map<String, Object> report = Map.of("workerGroup", "local", "workerId", "w1", "kind", "worker-error", "title", "no docker",
                "description", "cannot reach the engine", "extra", Map.of("exitCode", 3));

        JsonNode e = worker.post(WM + "/worker-pool-errors/" + enc(pool), report).json();
        assertThat(e.get("errorId").asText()).hasSize(22);
        assertThat(e.at("/extra/workerId").asText()).isEqualTo("w1");
        Map<String, Object> asAnother = new java.util.HashMap<>(report);
        asAnother.put("workerId", "w2");
        SignedHttp.Response refused = worker.post(WM + "/worker-pool-errors/" + enc(pool), asAnother);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text()).contains("assume:worker-id:local/w2");

        SignedHttp reader = clientWith("worker-manager:list-worker-pool-errors:" + pool);
        JsonNode errors = reader.get(WM + "/worker-pool-errors/" + enc(pool)).json().get("workerPoolErrors");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).get("title").asText()).isEqualTo("no docker");
        JsonNode stats = reader.get(WM + "/worker-pool-errors/stats?workerPoolId=" + enc(pool)).json();
        assertThat(stats.at("/totals/total").asInt()).isEqualTo(1);
        assertThat(stats.at("/totals/code/worker-error").asInt()).isEqualTo(1);
        // every pool's stats need the scope for all of them
        assertThat(reader.get(WM + "/worker-pool-errors/stats").status()).isEqualTo(403);
        assertThat(root.get(WM + "/worker-pool-errors/stats").json().get("workerPoolId").asText()).isEmpty();
    }

    @Test
    void registrationExplainsThatDockerWorkersGetCredentialsFromTheProvisioner() {
        String pool = newPool();
        assertThat(root.put(WM + "/worker-pool/" + enc(pool), poolBody(1)).status()).isEqualTo(200);
        SignedHttp.Response r = anon.post(WM + "/worker/register", Map.of("workerPoolId", pool, "providerId", "docker",
                "workerGroup", "g", "workerId", "w", "workerIdentityProof", Map.of()));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("provisioner");
        SignedHttp.Response again = anon.post(WM + "/worker/reregister", Map.of("workerPoolId", pool, "workerGroup", "g",
                "workerId", "w", "secret", "s".repeat(44)));
        assertThat(again.status()).isEqualTo(403);
        assertThat(again.text()).contains("worker-manager:reregister-worker:" + pool + "/g/w");
    }
}
