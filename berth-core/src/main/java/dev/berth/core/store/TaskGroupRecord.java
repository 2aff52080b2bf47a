package dev.berth.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A task group's own row: the scheduler id its first task named, the latest expiry of its tasks, and when it
 * was sealed (null while open). A sealed group takes no new tasks.
 */
public record TaskGroupRecord(String taskGroupId, String schedulerId, Instant expires, Instant sealed) {

    public TaskGroupRecord {
        Objects.requireNonNull(taskGroupId, "taskGroupId");
        Objects.requireNonNull(schedulerId, "schedulerId");
        Objects.requireNonNull(expires, "expires");
    }

    public boolean isSealed() { return sealed != null; }
}
