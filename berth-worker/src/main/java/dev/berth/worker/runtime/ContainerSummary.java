package dev.berth.worker.runtime;

import java.util.Map;

/** A container as listed by the engine. */
public record ContainerSummary(String id, String image, String state, Map<String, String> labels) {

    public ContainerSummary {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
