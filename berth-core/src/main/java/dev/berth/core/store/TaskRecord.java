package dev.berth.core.store;

import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskStatus;

/** A stored task: its definition (never changes after creation) and its current status. */
public record TaskRecord(String taskId, TaskDefinition definition, TaskStatus status) {

    public TaskRecord withStatus(TaskStatus newStatus) { return new TaskRecord(taskId, definition, newStatus); }
}
