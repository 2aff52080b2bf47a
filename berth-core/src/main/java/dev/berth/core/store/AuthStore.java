package dev.berth.core.store;

import dev.berth.core.audit.AuditEntry;
import java.util.List;
import java.util.Optional;

/**
 * Clients and roles of the auth service. Every write takes the {@link AuditEntry} that records it: the store
 * keeps the entry in the same transaction as the change, and only when the change is made (a write answering
 * false records nothing), so no change goes unrecorded and no entry claims a change that did not happen.
 */
public interface AuthStore {

    /** @return false when a client with this id exists already (nothing written) */
    boolean insertClient(ClientRecord client, AuditEntry audit);

    Optional<ClientRecord> findClient(String clientId);

    /** Replaces the stored client with this id; false when there is none. */
    boolean updateClient(ClientRecord client, AuditEntry audit);

    boolean deleteClient(String clientId, AuditEntry audit);

    /** Clients whose id starts with {@code prefix} (null for all), in id order. */
    Page<ClientRecord> clients(String prefix, String continuationToken, int limit);

    /** @return false when a role with this id exists already (nothing written) */
    boolean insertRole(RoleRecord role, AuditEntry audit);

    Optional<RoleRecord> findRole(String roleId);

    boolean updateRole(RoleRecord role, AuditEntry audit);

    boolean deleteRole(String roleId, AuditEntry audit);

    /** Every role; the auth service expands scopes over all of them. */
    List<RoleRecord> allRoles();
}
