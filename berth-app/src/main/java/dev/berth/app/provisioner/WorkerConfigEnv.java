package dev.berth.app.provisioner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/** A pool's {@code workerConfig} as the BERTH_* environment of the worker inside its containers. */
final class WorkerConfigEnv {

    private WorkerConfigEnv() {}

    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("limits.memory", "BERTH_WORKER_MEMORY"),
            Map.entry("limits.cpus", "BERTH_WORKER_CPUS"),
            Map.entry("limits.pids", "BERTH_WORKER_PIDS"),
            Map.entry("minFreeDisk", "BERTH_WORKER_MIN_FREE_DISK"),
            Map.entry("caches.imageIdle", "BERTH_WORKER_IMAGE_IDLE"),
            Map.entry("instanceType", "BERTH_INSTANCE_TYPE"),
            Map.entry("featuresOff", "BERTH_WORKER_FEATURES_OFF"),
            Map.entry("capabilities.privileged", "BERTH_WORKER_ALLOW_PRIVILEGED"),
            Map.entry("capabilities.disableSeccomp", "BERTH_WORKER_ALLOW_DISABLE_SECCOMP"));

    /** Known keys become their variables; {@code env: {NAME: value}} is passed as it is; others are warned about. */
    static Map<String, String> of(JsonNode workerConfig, BiConsumer<String, String> warn) {
        Map<String, String> out = new LinkedHashMap<>();
        walk("", workerConfig, out, warn);
        return out;
    }

    private static void walk(String prefix, JsonNode node, Map<String, String> out, BiConsumer<String, String> warn) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("env") && v.isObject()) {
                v.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
            } else if (NAMES.containsKey(key)) {
                out.put(NAMES.get(key), v.isArray() ? join(v) : v.asText());
            } else if (v.isObject()) {
                walk(key + ".", v, out, warn);
            } else {
                warn.accept("workerConfig " + key, "workerConfig." + key + " is not a setting the provisioner passes on; ignored");
            }
        }
    }

    private static String join(JsonNode array) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode x : array) sb.append(sb.isEmpty() ? "" : ",").append(x.asText());
        return sb.toString();
    }
}
