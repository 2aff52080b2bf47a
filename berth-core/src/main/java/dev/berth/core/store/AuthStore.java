package dev.berth.core.store;

import java.util.List;
import java.util.Optional;

/** Clients and roles of the auth service. */
public interface AuthStore {

    /** @return false when a client with this id exists already (nothing written) */
    boolean insertClient(ClientRecord client);

    Optional<ClientRecord> findClient(String clientId);

    /** Replaces the stored client with this id; false when there is none. */
    boolean updateClient(ClientRecord client);

    boolean deleteClient(String clientId);

    /** Clients whose id starts with {@code prefix} (null for all), in id order. */
    Page<ClientRecord> clients(String prefix, String continuationToken, int limit);

    /** @return false when a role with this id exists already (nothing written) */
    boolean insertRole(RoleRecord role);

    Optional<RoleRecord> findRole(String roleId);

    boolean updateRole(RoleRecord role);

    boolean deleteRole(String roleId);

    /** Every role; the auth service expands scopes over all of them. */
    List<RoleRecord> allRoles();
}
