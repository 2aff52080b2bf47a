package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * A worker pool as worker-manager defines one: its id is the task queue its workers serve, {@code providerId}
 * says who starts them ({@code docker}, or {@code null-provider} once it is marked for deletion), {@code config}
 * is the provider's (for docker: {@link DockerPoolConfig}).
 */
public record WorkerPool(String workerPoolId, String providerId, String description, JsonNode config, String owner,
                         boolean emailOnError, Instant created, Instant lastModified) {

    public WorkerPool {
        Objects.requireNonNull(workerPoolId, "workerPoolId");
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastModified, "lastModified");
        config = config.deepCopy(); // JsonNode is mutable: the record keeps its own copy
    }

    /** Marked for deletion: no new workers; it goes once its workers have stopped. */
    public boolean deleting() { return WorkerPoolService.NULL_PROVIDER.equals(providerId); }

    public String provisionerId() { return workerPoolId.substring(0, workerPoolId.indexOf('/')); }

    public String workerType() { return workerPoolId.substring(workerPoolId.indexOf('/') + 1); }

    @Override
    public JsonNode config() { return config.deepCopy(); }
}
