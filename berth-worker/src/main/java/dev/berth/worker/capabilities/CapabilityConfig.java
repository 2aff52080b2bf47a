package dev.berth.worker.capabilities;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which of a payload's {@code capabilities} this worker allows. All off by default: privileged
 * mode, no seccomp filter and host devices each give a task power over the host, so an operator
 * opts in per worker (pool), and the task needs the matching {@code docker-worker:capability:*}
 * scope as well.
 *
 * @param privileged {@code capabilities.privileged} in the worker config ({@code BERTH_WORKER_ALLOW_PRIVILEGED})
 * @param disableSeccomp {@code capabilities.disableSeccomp} ({@code BERTH_WORKER_ALLOW_DISABLE_SECCOMP})
 * @param devices allowed device → its host path ({@code capabilities.devices.<name>}, {@code BERTH_WORKER_DEVICES})
 */
public record CapabilityConfig(boolean privileged, boolean disableSeccomp, Map<String, Path> devices) {

    public static final CapabilityConfig NONE = new CapabilityConfig(false, false, Map.of());

    /** The devices docker-worker knew, and where each is found on a host by default. */
    public static final Map<String, Path> KNOWN_DEVICES;

    static {
        Map<String, Path> d = new LinkedHashMap<>();
        d.put("kvm", Path.of("/dev/kvm"));
        d.put("hostSharedMemory", Path.of("/dev/shm"));
        d.put("loopbackVideo", Path.of("/dev/video0"));
        d.put("loopbackAudio", Path.of("/dev/snd"));
        KNOWN_DEVICES = java.util.Collections.unmodifiableMap(d);
    }

    public CapabilityConfig {
        for (String name : devices.keySet()) {
            if (!KNOWN_DEVICES.containsKey(name)) {
                throw new IllegalArgumentException("unknown device '" + name + "'; known: " + String.join(", ", KNOWN_DEVICES.keySet()));
            }
        }
        devices = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(devices));
    }

    public boolean allowsAnything() {
        return privileged || disableSeccomp || !devices.isEmpty();
    }

    @Override
    public String toString() {
        return "privileged=" + privileged + ", disableSeccomp=" + disableSeccomp + ", devices=" + devices;
    }
}
