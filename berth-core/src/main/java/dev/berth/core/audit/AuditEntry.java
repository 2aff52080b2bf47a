package dev.berth.core.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * One change to an audited entity, as Taskcluster's audit history keeps it: who (the clientId the request was
 * signed with) did what to which client or role, and when. It holds no secret: never an access token.
 *
 * @param entityType {@link #CLIENT} or {@link #ROLE} (Taskcluster also names secret, hook and worker-pool)
 * @param action     Taskcluster's action type, e.g. {@link #CREATED} or {@link #ACCESS_TOKEN_RESET}
 */
public record AuditEntry(String entityType, String entityId, String clientId, String action, Instant created) {

    public static final String CLIENT = "client";
    public static final String ROLE = "role";

    public static final String CREATED = "created";
    public static final String UPDATED = "updated";
    public static final String DELETED = "deleted";
    public static final String ENABLED = "client enabled";
    public static final String DISABLED = "client disabled";
    public static final String ACCESS_TOKEN_RESET = "access token reset";

    public AuditEntry {
        Objects.requireNonNull(entityType, "entityType");
        Objects.requireNonNull(entityId, "entityId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(created, "created");
    }

    public static AuditEntry client(String clientId, String by, String action, Instant at) {
        return new AuditEntry(CLIENT, clientId, by, action, at);
    }

    public static AuditEntry role(String roleId, String by, String action, Instant at) {
        return new AuditEntry(ROLE, roleId, by, action, at);
    }
}
