package dev.berth.worker.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The worker's {@code features:} section: per feature key either {@code true}/{@code false}, or an object of
 * the feature's own options with an optional {@code enabled}. A feature not named keeps its default (see
 * {@link Features}); {@code BERTH_WORKER_FEATURES_OFF=a,b} switches features off over the file.
 */
public record FeatureConfig(Map<String, JsonNode> options, Set<String> switchedOff) {

    public static final FeatureConfig DEFAULT = new FeatureConfig(Map.of(), Set.of());

    public FeatureConfig {
        options = Map.copyOf(options);
        switchedOff = Set.copyOf(switchedOff);
    }

    /** Reads the section (null or missing: defaults) with the env's switched-off list. */
    public static FeatureConfig read(JsonNode section, Set<String> switchedOff) {
        Map<String, JsonNode> options = new LinkedHashMap<>();
        if (section != null && !section.isNull() && !section.isMissingNode()) {
            if (!section.isObject()) throw BerthException.input("features must be a map of feature name to true, false or options");
            section.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (!v.isBoolean() && !v.isObject()) {
                    throw BerthException.input("features." + e.getKey() + " must be true, false or a map of options");
                }
                if (v.isObject() && v.has("enabled") && !v.get("enabled").isBoolean()) {
                    throw BerthException.input("features." + e.getKey() + ".enabled must be true or false");
                }
                options.put(e.getKey(), v);
            });
        }
        return new FeatureConfig(options, switchedOff);
    }

    /** Whether the feature is on: off when switched off, else as configured, else {@code byDefault}. */
    public boolean enabled(String key, boolean byDefault) {
        if (switchedOff.contains(key)) return false;
        JsonNode v = options.get(key);
        if (v == null) return byDefault;
        if (v.isBoolean()) return v.asBoolean();
        return v.path("enabled").asBoolean(true);
    }

    /** The feature's options (an empty object when it has none). */
    public ObjectNode optionsOf(String key) {
        JsonNode v = options.get(key);
        return v != null && v.isObject() ? ((ObjectNode) v).deepCopy() : JsonNodeFactory.instance.objectNode();
    }

    /** Every key named in the section (service proxies are configured under their own names). */
    public Set<String> named() {
        return options.keySet();
    }
}
