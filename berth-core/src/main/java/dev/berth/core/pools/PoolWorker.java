package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Objects;

/**
 * One worker of a pool, as the provisioner records it. {@code providerData} is the provider's own (for docker:
 * the engine and container it runs in); it is not shown by the API.
 */
public record PoolWorker(String workerPoolId, String workerGroup, String workerId, String providerId, WorkerState state,
                         int capacity, Instant created, Instant expires, Instant lastModified, Instant lastChecked,
                         JsonNode providerData) {

    public PoolWorker {
        Objects.requireNonNull(workerPoolId, "workerPoolId");
        Objects.requireNonNull(workerGroup, "workerGroup");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(lastChecked, "lastChecked");
        providerData = providerData == null ? JsonNodeFactory.instance.objectNode() : providerData.deepCopy();
        if (capacity < 0) throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
    }

    @Override
    public JsonNode providerData() { return providerData.deepCopy(); }

    /** The same worker moved to {@code next} at {@code now}; a move the state table forbids is a conflict. */
    public PoolWorker withState(WorkerState next, Instant now) {
        if (!state.canMoveTo(next)) {
            throw dev.berth.core.BerthException.conflict("worker " + workerGroup + "/" + workerId + " is " + state.wire()
                    + " and cannot become " + next.wire());
        }
        return new PoolWorker(workerPoolId, workerGroup, workerId, providerId, next, capacity, created, expires, now, now, providerData);
    }

    public PoolWorker withExpiresAndCapacity(Instant newExpires, int newCapacity, Instant now) {
        return new PoolWorker(workerPoolId, workerGroup, workerId, providerId, state, newCapacity, created, newExpires, now, lastChecked,
                providerData);
    }

    public PoolWorker withProviderData(JsonNode data, Instant now) {
        return new PoolWorker(workerPoolId, workerGroup, workerId, providerId, state, capacity, created, expires, now, now, data);
    }
}
