package dev.berth.core.store;

/**
 * Thrown by {@link TaskStore#insertTask} when the task's group takes no new task: it is sealed, or it belongs to
 * another scheduler id. Nothing was written; {@link #group()} is the group as stored.
 */
public final class TaskGroupRefusedException extends RuntimeException {

    private final TaskGroupRecord group;

    public TaskGroupRefusedException(TaskGroupRecord group) {
        super("task group " + group.taskGroupId() + (group.isSealed() ? " is sealed" : " belongs to scheduler " + group.schedulerId()),
                null, false, false);
        this.group = group;
    }

    public TaskGroupRecord group() { return group; }
}
