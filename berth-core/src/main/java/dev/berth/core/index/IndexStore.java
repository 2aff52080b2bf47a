package dev.berth.core.index;

import dev.berth.core.store.Page;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where the index lives: indexed tasks by path, and the namespaces that lead to them. */
public interface IndexStore {

    /**
     * Stores {@code candidate} unless an unexpired entry (expiry after {@code now}) with a higher rank is stored
     * at its path, and in the same transaction makes every namespace above it exist with an expiry no earlier
     * than {@code namespaceExpires}.
     *
     * @return the entry stored at the path after the call (the candidate, or the higher-ranked one kept)
     */
    IndexedTask insert(IndexedTask candidate, Instant namespaceExpires, Instant now);

    /** The entry at {@code path}, if one is stored and its expiry is after {@code now}. */
    Optional<IndexedTask> find(IndexPath path, Instant now);

    /** The unexpired entries at the given paths, in the order given; paths without one are left out. */
    List<IndexedTask> findAll(List<IndexPath> paths, Instant now);

    /** Unexpired entries directly in {@code namespace} (its full path; "" for the root), by name. */
    Page<IndexedTask> tasksIn(String namespace, String continuationToken, int limit, Instant now);

    /** Unexpired namespaces directly in {@code namespace} (its full path; "" for the root), by name. */
    Page<IndexNamespace> namespacesIn(String namespace, String continuationToken, int limit, Instant now);

    /** Removes the entry at {@code path}; its namespaces stay. @return whether one was there */
    boolean delete(IndexPath path);

    /** Deletes entries and namespaces whose expiry is before {@code now}. @return how many rows went */
    int deleteExpired(Instant now);
}
