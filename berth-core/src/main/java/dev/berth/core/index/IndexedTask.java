package dev.berth.core.index;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/** A task indexed under a path: the highest rank (the latest of equal ranks) stays. */
public record IndexedTask(IndexPath path, String taskId, long rank, ObjectNode data, Instant expires) {

    public IndexedTask {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(expires, "expires");
        if (path.isRoot()) throw new IllegalArgumentException("a task cannot be indexed at the root namespace");
    }
}
