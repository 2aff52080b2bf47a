package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Purge-cache v1 routes, named and shaped as in taskcluster-client's {@code apis.js} (entry {@code PurgeCache}). */
public final class PurgeCacheClient {

    public static final String SERVICE = "purge-cache";

    private final BerthClient client;

    PurgeCacheClient(BerthClient client) { this.client = client; }

    /** POST /purge-cache/&lt;workerPoolId&gt; {cacheName}: every worker of the pool drops that cache before its next use. */
    public void purgeCache(String workerPoolId, String cacheName) {
        client.request("POST", SERVICE, BerthClient.path("/purge-cache/<workerPoolId>", workerPoolId), null,
                Map.of("cacheName", cacheName));
    }

    /** GET /purge-cache/list: the purge requests still in force, one page. */
    public JsonNode allPurgeRequests(String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, "/purge-cache/list", QueueClient.page(continuationToken, limit), null);
    }
}
