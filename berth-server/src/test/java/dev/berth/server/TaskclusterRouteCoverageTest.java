package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import dev.berth.server.auth.AuthApi;
import dev.berth.server.http.RouteTable;
import dev.berth.server.queue.QueueApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Berth against the API reference of the installed taskcluster-client (its {@code apis.js}, installed by
 * scripts/test.sh with npm): every route of each service Berth runs must be served, under Taskcluster's
 * name, with the very same scope expression. Queue and Auth are always checked; Index, Object, PurgeCache
 * and WorkerManager once Berth serves them. So a new client release that adds or changes a route fails CI.
 */
class TaskclusterRouteCoverageTest extends ServerTestSupport {

    private static final Path APIS = Path.of("../berth-it/src/test/js/node_modules/taskcluster-client/src/apis.js");

    /** Taskcluster's service name → the prefix Berth serves it under. */
    private static final Map<String, String> ALWAYS = Map.of("Queue", QueueApi.PREFIX, "Auth", AuthApi.PREFIX);
    private static final Map<String, String> WHEN_SERVED = Map.of("Index", "/api/index/v1", "Object", "/api/object/v1",
            "PurgeCache", "/api/purge-cache/v1", "WorkerManager", "/api/worker-manager/v1");

    @Test
    void everyRouteOfEachServiceBerthRunsIsServedWithTaskclustersNameAndScopes() throws Exception {
        JsonNode apis = installedReference();
        Map<String, RouteTable> tables = new HashMap<>();
        for (RouteTable table : server.routeTables()) tables.put(table.prefix(), table);

        Map<String, String> checked = new LinkedHashMap<>(ALWAYS);
        WHEN_SERVED.forEach((service, prefix) -> { if (tables.containsKey(prefix)) checked.put(service, prefix); });

        List<String> problems = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, String> service : checked.entrySet()) {
            RouteTable table = tables.get(service.getValue());
            assertThat(table).as("Berth's route table for " + service.getKey()).isNotNull();
            Map<String, RouteTable.Route> served = new HashMap<>();
            for (RouteTable.Route route : table.routes()) {
                served.put(route.method().name().toLowerCase() + " " + route.referencePath(table.prefix()), route);
            }
            JsonNode reference = apis.path(service.getKey()).path("reference").path("entries");
            assertThat(reference.isArray()).as("apis.js has no " + service.getKey() + " entry").isTrue();
            for (JsonNode entry : reference) {
                if (!"function".equals(entry.path("type").asText())) continue;
                String key = entry.get("method").asText() + " " + entry.get("route").asText();
                String name = entry.get("name").asText();
                RouteTable.Route route = served.get(key);
                if (route == null) {
                    problems.add(service.getKey() + "." + name + " (" + key + ") is not served");
                    continue;
                }
                compared++;
                if (!name.equals(route.name())) {
                    problems.add(service.getKey() + " " + key + ": named " + route.name() + ", Taskcluster calls it " + name);
                }
                JsonNode want = entry.get("scopes");
                JsonNode have = route.scopes() == null ? null : route.scopes().toJson();
                if (want == null ? have != null : !want.equals(have)) {
                    problems.add(service.getKey() + "." + name + ": scopes " + have + ", Taskcluster's are " + want);
                }
            }
        }
        assertThat(problems).as("routes missing or different from taskcluster-client's reference").isEmpty();
        // guards against a path notation change that would silently match nothing
        assertThat(compared).as("routes compared with the reference").isGreaterThanOrEqualTo(80);
    }

    private static JsonNode installedReference() throws Exception {
        boolean present = Files.exists(APIS);
        // CI installs the client first (scripts/test.sh); there a missing client is a failure, not a skip
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as(APIS + " (scripts/test.sh runs npm install in berth-it/src/test/js)").isTrue();
        }
        Assumptions.assumeTrue(present, "taskcluster-client is not installed: run npm install in berth-it/src/test/js");
        String js = Files.readString(APIS);
        return Json.MAPPER.readTree(js.substring(js.indexOf('{'), js.lastIndexOf('}') + 1));
    }
}
