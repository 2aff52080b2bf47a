package dev.berth.worker.runtime;

import java.util.Objects;

/**
 * A bridge network of one run: its container, sidecars and the worker's per-run endpoints meet here and
 * nowhere else.
 *
 * @param id the engine's id
 * @param name the network's name (unique per engine)
 * @param gateway the host's address on the network (the bridge's IP), which the task container routes through
 * @param labels the network's labels (the run's identity)
 */
public record TaskNetwork(String id, String name, String gateway, java.util.Map<String, String> labels) {
    public TaskNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        labels = labels == null ? java.util.Map.of() : java.util.Map.copyOf(labels);
    }
}
