package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;

/** Worker-manager v1 routes the CLI uses, named and shaped as in taskcluster-client's {@code apis.js} (entry {@code WorkerManager}). */
public final class WorkerManagerClient {

    public static final String SERVICE = "worker-manager";

    private final BerthClient client;

    WorkerManagerClient(BerthClient client) { this.client = client; }

    /** PUT /worker-pool/&lt;workerPoolId&gt;: a new pool from its definition (providerId, description, config, owner, emailOnError). */
    public JsonNode createWorkerPool(String workerPoolId, JsonNode definition) {
        return client.request("PUT", SERVICE, BerthClient.path("/worker-pool/<workerPoolId>", workerPoolId), null, definition);
    }

    /** POST /worker-pool/&lt;workerPoolId&gt;: replaces a pool's definition. */
    public JsonNode updateWorkerPool(String workerPoolId, JsonNode definition) {
        return client.request("POST", SERVICE, BerthClient.path("/worker-pool/<workerPoolId>", workerPoolId), null, definition);
    }

    /** DELETE /worker-pool/&lt;workerPoolId&gt;: marks the pool for deletion (null-provider); its workers drain. */
    public JsonNode deleteWorkerPool(String workerPoolId) {
        return client.request("DELETE", SERVICE, BerthClient.path("/worker-pool/<workerPoolId>", workerPoolId), null, null);
    }

    public JsonNode workerPool(String workerPoolId) {
        return client.request("GET", SERVICE, BerthClient.path("/worker-pool/<workerPoolId>", workerPoolId), null, null);
    }

    /** GET /worker-pools: one page of pools. */
    public JsonNode listWorkerPools(String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, "/worker-pools", QueueClient.page(continuationToken, limit), null);
    }

    /** GET /workers/&lt;workerPoolId&gt;: one page of the pool's workers. */
    public JsonNode listWorkersForWorkerPool(String workerPoolId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/workers/<workerPoolId>", workerPoolId),
                QueueClient.page(continuationToken, limit), null);
    }

    /** GET /worker-pool-errors/&lt;workerPoolId&gt;: one page of the pool's errors, newest first. */
    public JsonNode listWorkerPoolErrors(String workerPoolId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/worker-pool-errors/<workerPoolId>", workerPoolId),
                QueueClient.page(continuationToken, limit), null);
    }
}
