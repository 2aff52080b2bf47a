package dev.berth.core.store;

/** The result of {@link TaskStore#modify}: the record before and after. {@code changed} is false for a no-op. */
public record StatusChange(TaskRecord before, TaskRecord after) {

    public boolean changed() { return !before.status().equals(after.status()); }
}
