package dev.berth.worker.capabilities;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.BerthException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the worker config's {@code capabilities} section, with environment variables over it:
 *
 * <pre>
 * capabilities:
 *   privileged: true         # BERTH_WORKER_ALLOW_PRIVILEGED=true
 *   disableSeccomp: true     # BERTH_WORKER_ALLOW_DISABLE_SECCOMP=true
 *   devices:                 # BERTH_WORKER_DEVICES=kvm,loopbackVideo=/dev/video3
 *     kvm: true              # true: the default host path; or the host path itself
 *     loopbackVideo: /dev/video3
 * </pre>
 */
public final class CapabilityConfigReader {

    public static final String ENV_PRIVILEGED = "BERTH_WORKER_ALLOW_PRIVILEGED";
    public static final String ENV_DISABLE_SECCOMP = "BERTH_WORKER_ALLOW_DISABLE_SECCOMP";
    public static final String ENV_DEVICES = "BERTH_WORKER_DEVICES";

    private CapabilityConfigReader() {}

    /** @param section the file's {@code capabilities} mapping, or null */
    public static CapabilityConfig read(JsonNode section, Map<String, String> env) {
        if (section != null && !section.isNull() && !section.isObject()) {
            throw BerthException.input("capabilities in the config file must be a mapping");
        }
        boolean privileged = flag(section, "privileged", env.get(ENV_PRIVILEGED), ENV_PRIVILEGED);
        boolean seccomp = flag(section, "disableSeccomp", env.get(ENV_DISABLE_SECCOMP), ENV_DISABLE_SECCOMP);
        Map<String, Path> devices = new LinkedHashMap<>();
        String devicesEnv = env.get(ENV_DEVICES);
        if (devicesEnv != null && !devicesEnv.isBlank()) {
            for (String item : devicesEnv.split(",")) {
                String t = item.trim();
                if (t.isEmpty()) continue;
                int eq = t.indexOf('=');
                String name = eq < 0 ? t : t.substring(0, eq).trim();
                String path = eq < 0 ? null : t.substring(eq + 1).trim();
                device(devices, name, path, ENV_DEVICES);
            }
        } else if (section != null && section.hasNonNull("devices")) {
            JsonNode d = section.get("devices");
            if (!d.isObject()) throw BerthException.input("capabilities.devices must map a device name to true or a host path");
            for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String where = "capabilities.devices." + e.getKey();
                if (v.isBoolean()) {
                    if (v.asBoolean()) device(devices, e.getKey(), null, where);
                } else if (v.isTextual()) {
                    device(devices, e.getKey(), v.asText(), where);
                } else {
                    throw BerthException.input(where + " must be true, false or a host path");
                }
            }
        }
        return new CapabilityConfig(privileged, seccomp, devices);
    }

    private static void device(Map<String, Path> devices, String name, String path, String where) {
        Path known = CapabilityConfig.KNOWN_DEVICES.get(name);
        if (known == null) {
            throw BerthException.input(where + ": unknown device '" + name + "'; known: "
                    + String.join(", ", CapabilityConfig.KNOWN_DEVICES.keySet()));
        }
        Path p = path == null || path.isEmpty() ? known : Path.of(path);
        if (!p.isAbsolute()) throw BerthException.input(where + ": the host path of " + name + " must be absolute; got '" + path + "'");
        devices.put(name, p);
    }

    private static boolean flag(JsonNode section, String key, String envValue, String envName) {
        String v = envValue != null && !envValue.isBlank() ? envValue
                : section != null && section.hasNonNull(key) ? section.get(key).asText() : "false";
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw BerthException.input("capabilities." + key + " (" + envName + ") must be true or false; got '" + v + "'");
        };
    }
}
