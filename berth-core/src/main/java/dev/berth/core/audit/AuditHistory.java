package dev.berth.core.audit;

import dev.berth.core.store.Page;

/**
 * The recorded changes, oldest first. Entries are written by the stores that make the changes, in the same
 * transaction, and kept: an id deleted and created again shows the history of every life it had.
 */
public interface AuditHistory {

    /** What was done to one entity, by anyone. */
    Page<AuditEntry> ofEntity(String entityType, String entityId, String continuationToken, int limit);

    /** What one client did, to any entity. */
    Page<AuditEntry> byClient(String clientId, String continuationToken, int limit);
}
