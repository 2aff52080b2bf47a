package dev.berth.core.store;

import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskStatus;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A stored task: its definition (never changes after creation) and its current status.
 *
 * <p>A store may hand out records whose definition is decoded only when first asked for ({@link #lazy}): most
 * status changes (reclaim, resolve) never look at it. Equality and hashing are by value, as for a record.
 */
public final class TaskRecord {

    private final String taskId;
    private final TaskStatus status;
    private Supplier<TaskDefinition> loader;
    private volatile TaskDefinition definition;

    public TaskRecord(String taskId, TaskDefinition definition, TaskStatus status) {
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        this.definition = definition;
        this.status = status;
    }

    private TaskRecord(String taskId, Supplier<TaskDefinition> loader, TaskStatus status) {
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.status = status;
    }

    /** A record whose definition {@code loader} produces on first use (at most once). */
    public static TaskRecord lazy(String taskId, Supplier<TaskDefinition> loader, TaskStatus status) {
        return new TaskRecord(taskId, loader, status);
    }

    public String taskId() { return taskId; }

    public TaskStatus status() { return status; }

    public TaskDefinition definition() {
        TaskDefinition d = definition;
        if (d == null) {
            synchronized (this) {
                d = definition;
                if (d == null && loader != null) {
                    d = loader.get();
                    definition = d;
                    loader = null;
                }
            }
        }
        return d;
    }

    public TaskRecord withStatus(TaskStatus newStatus) {
        TaskDefinition d = definition;
        if (d != null) return new TaskRecord(taskId, d, newStatus);
        // keep sharing the (possibly still undecoded) definition of this record
        return new TaskRecord(taskId, (Supplier<TaskDefinition>) this::definition, newStatus);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskRecord r && taskId.equals(r.taskId) && Objects.equals(status, r.status)
                && Objects.equals(definition(), r.definition());
    }

    @Override
    public int hashCode() { return Objects.hash(taskId, definition(), status); }

    @Override
    public String toString() {
        return "TaskRecord[taskId=" + taskId + ", definition=" + definition() + ", status=" + status + "]";
    }
}
