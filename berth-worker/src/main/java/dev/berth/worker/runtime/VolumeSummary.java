package dev.berth.worker.runtime;

import java.util.Map;
import java.util.Objects;

/** A named volume as the engine lists it. */
public record VolumeSummary(String name, Map<String, String> labels) {
    public VolumeSummary {
        Objects.requireNonNull(name, "name");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
