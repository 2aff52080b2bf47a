package dev.berth.core.store;

/**
 * The result of {@link TaskStore#modify}: the record before and after. {@code changed} is false for a no-op.
 *
 * @param noDependents true only when the store knows that no task depended on this one when the change was
 *     written: it read the dependency edges in the same transaction, after the task's row was locked and
 *     updated (see {@link TaskStore#modify}). False means "unknown": the caller must look the dependents up.
 */
public record StatusChange(TaskRecord before, TaskRecord after, boolean noDependents) {

    /** A change whose dependents are unknown (the caller looks them up if it needs them). */
    public StatusChange(TaskRecord before, TaskRecord after) { this(before, after, false); }

    public boolean changed() { return !before.status().equals(after.status()); }
}
