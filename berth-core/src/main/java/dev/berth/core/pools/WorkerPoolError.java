package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Objects;

/**
 * Something that went wrong for a pool (a worker container that exited before claiming, a bad image), reported
 * by a worker or by the provisioner; a pool's newest errors are what an operator reads first.
 */
public record WorkerPoolError(String errorId, String workerPoolId, Instant reported, String kind, String title,
                              String description, JsonNode extra) {

    public WorkerPoolError {
        Objects.requireNonNull(errorId, "errorId");
        Objects.requireNonNull(workerPoolId, "workerPoolId");
        Objects.requireNonNull(reported, "reported");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(description, "description");
        extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }

    @Override
    public JsonNode extra() { return extra.deepCopy(); }
}
