package dev.berth.worker.features;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The features this worker offers, in the order their hooks run, and which of them its configuration
 * switched off. A payload that enables a feature the worker does not know, or one switched off here, is
 * malformed-payload naming it.
 */
public final class Features {

    public static final Features NONE = new Features(List.of(), Set.of());

    private final Map<String, TaskFeature> enabled = new LinkedHashMap<>();
    private final Set<String> switchedOff;

    /**
     * @param enabled the features on, in hook order (keys unique)
     * @param switchedOff keys of features this worker has but its configuration switched off
     */
    public Features(List<TaskFeature> enabled, Set<String> switchedOff) {
        for (TaskFeature f : enabled) {
            if (this.enabled.putIfAbsent(f.key(), f) != null) throw new IllegalArgumentException("feature " + f.key() + " twice");
        }
        this.switchedOff = Set.copyOf(switchedOff);
    }

    /** The {@code candidates} (in hook order) that {@code config} leaves on; the others are switched off. */
    public static Features of(FeatureConfig config, List<TaskFeature> candidates) {
        List<TaskFeature> on = new ArrayList<>();
        Set<String> off = new java.util.HashSet<>();
        for (TaskFeature f : candidates) {
            if (config.enabled(f.key(), f.onByDefault())) on.add(f);
            else off.add(f.key());
        }
        return new Features(on, off);
    }

    /** The features a payload turns on, in hook order, and the problems with the ones that cannot be had. */
    public record Selection(List<TaskFeature> active, List<String> problems) {
        public Selection {
            active = List.copyOf(active);
            problems = List.copyOf(problems);
        }

        public boolean needsTaskNetwork() {
            return active.stream().anyMatch(TaskFeature::needsTaskNetwork);
        }
    }

    public Selection select(Map<String, Boolean> requested) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Boolean> e : requested.entrySet()) {
            if (!e.getValue() || enabled.containsKey(e.getKey())) continue;
            if (switchedOff.contains(e.getKey())) {
                problems.add("features." + e.getKey() + ": switched off on this worker");
            } else {
                problems.add("features." + e.getKey() + ": no such feature on this worker (it has: "
                        + (enabled.isEmpty() ? "none" : String.join(", ", new TreeSet<>(enabled.keySet()))) + ")");
            }
        }
        List<TaskFeature> active = new ArrayList<>();
        for (TaskFeature f : enabled.values()) {
            if (Boolean.TRUE.equals(requested.get(f.key()))) active.add(f);
        }
        return new Selection(active, problems);
    }

    /**
     * The scopes the payload's enabled features need: what each feature of this worker declares, and for a
     * feature the worker does not have, docker-worker's {@code docker-worker:feature:<name>}.
     */
    public List<String> requiredScopes(dev.berth.worker.payload.DockerPayload payload) {
        List<String> out = new ArrayList<>();
        payload.features().forEach((key, on) -> {
            if (!on) return;
            TaskFeature f = enabled.get(key);
            if (f == null) out.add("docker-worker:feature:" + key);
            else out.addAll(f.requiredScopes(payload));
        });
        return out;
    }

    public Set<String> keys() {
        return enabled.keySet();
    }

    /** The feature with this key, if this worker has it on. */
    public TaskFeature get(String key) {
        return enabled.get(key);
    }
}
