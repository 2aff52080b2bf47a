package dev.berth.core.workers;

import java.time.Instant;
import java.util.Objects;

/** One change to a worker's quarantine: who made it, when, until when, and why (Taskcluster's quarantineDetails item). */
public record QuarantineDetail(String clientId, Instant updatedAt, Instant quarantineUntil, String quarantineInfo) {

    public QuarantineDetail {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(quarantineUntil, "quarantineUntil");
        Objects.requireNonNull(quarantineInfo, "quarantineInfo");
    }
}
