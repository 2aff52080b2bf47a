package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import dev.berth.server.auth.AuthApi;
import dev.berth.server.http.RouteTable;
import dev.berth.server.purgecache.PurgeCacheApi;
import dev.berth.server.queue.QueueApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every queue and auth route Berth serves that Taskcluster's API reference also lists (taskcluster-client's
 * apis.js, installed by scripts/test.sh with npm) has Taskcluster's name and the very same scope expression.
 */
class RouteScopesMatchTaskclusterApiTest extends ServerTestSupport {

    private static final Path APIS = Path.of("../berth-it/src/test/js/node_modules/taskcluster-client/src/apis.js");

    @Test
    void queueAndAuthRoutesDeclareTaskclustersNamesAndScopeExpressions() throws Exception {
        Assumptions.assumeTrue(Files.exists(APIS), "taskcluster-client is not installed: run npm install in berth-it/src/test/js");
        String js = Files.readString(APIS);
        JsonNode apis = Json.MAPPER.readTree(js.substring(js.indexOf('{'), js.lastIndexOf('}') + 1));
        Map<String, String> services = Map.of(QueueApi.PREFIX, "Queue", AuthApi.PREFIX, "Auth", PurgeCacheApi.PREFIX, "PurgeCache");

        List<String> problems = new ArrayList<>();
        int compared = 0;
        for (RouteTable table : server.routeTables()) {
            String service = services.get(table.prefix());
            if (service == null) continue;
            Map<String, JsonNode> reference = new HashMap<>();
            for (JsonNode e : apis.get(service).get("reference").get("entries")) {
                if ("function".equals(e.path("type").asText())) reference.put(e.get("method").asText() + " " + e.get("route").asText(), e);
            }
            for (RouteTable.Route route : table.routes()) {
                String key = route.method().name().toLowerCase() + " " + route.referencePath(table.prefix());
                JsonNode entry = reference.get(key);
                if (entry == null) continue; // a Berth-only route (legacy queue paths, upload URLs, counts)
                compared++;
                if (!entry.get("name").asText().equals(route.name())) {
                    problems.add(service + " " + key + ": named " + route.name() + ", Taskcluster calls it " + entry.get("name").asText());
                }
                JsonNode want = entry.get("scopes");
                JsonNode have = route.scopes() == null ? null : route.scopes().toJson();
                if (want == null ? have != null : !want.equals(have)) {
                    problems.add(service + " " + key + ": scopes " + have + ", Taskcluster's are " + want);
                }
            }
        }
        assertThat(problems).as("routes that differ from Taskcluster's reference").isEmpty();
        // guards against a path notation change that would silently match nothing
        assertThat(compared).as("routes compared with the reference").isGreaterThanOrEqualTo(40);
    }
}
