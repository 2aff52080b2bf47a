package dev.berth.worker.caches;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link PurgeRequestSource} over the purge-cache service, signed with the worker's own credentials
 * (scope {@code purge-cache:purge-requests::<workerPoolId>}); the worker pool is the task queue.
 */
public final class ClientPurgeRequests implements PurgeRequestSource {

    private final BerthClient client;
    private final String workerPoolId;

    public ClientPurgeRequests(BerthClient client, String workerPoolId) {
        this.client = client;
        this.workerPoolId = workerPoolId;
    }

    @Override
    public List<Notice> since(Instant since) throws IOException {
        JsonNode answer;
        try {
            answer = client.request("GET", "purge-cache", BerthClient.path("/purge-cache/<workerPoolId>", workerPoolId),
                    since == null ? null : Map.of("since", Json.format(since)), null);
        } catch (RuntimeException e) {
            throw new IOException("purgeRequests for " + workerPoolId + ": " + e.getMessage(), e);
        }
        List<Notice> out = new ArrayList<>();
        for (JsonNode r : answer.path("requests")) {
            out.add(new Notice(r.path("cacheName").asText(), Instant.parse(r.path("before").asText())));
        }
        return out;
    }
}
