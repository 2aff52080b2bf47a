package dev.berth.core.workers;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A provisioner: anything with a provisioner id. Exists while one of its task queues does (its expiry is
 * raised with theirs) or once declared with declareProvisioner, which also sets what is declared here.
 */
public record ProvisionerRecord(String provisionerId, String description, String stability, List<Action> actions,
                                Instant expires, Instant lastDateActive) {

    public ProvisionerRecord {
        Objects.requireNonNull(provisionerId, "provisionerId");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(stability, "stability");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(lastDateActive, "lastDateActive");
        actions = List.copyOf(actions);
    }
}
