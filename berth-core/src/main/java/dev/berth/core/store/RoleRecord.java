package dev.berth.core.store;

import java.time.Instant;
import java.util.List;

public record RoleRecord(String roleId, String description, List<String> scopes, Instant created, Instant lastModified) {

    public RoleRecord {
        scopes = List.copyOf(scopes);
    }
}
