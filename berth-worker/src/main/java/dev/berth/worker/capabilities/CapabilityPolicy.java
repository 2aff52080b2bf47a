package dev.berth.worker.capabilities;

import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.runtime.HostAccess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides what a payload's {@code capabilities} give its container on this worker. The task's
 * {@code docker-worker:capability:*} scopes are checked before this (elsewhere); here the worker's
 * own configuration has its say:
 *
 * <ul>
 *   <li>a capability the configuration does not allow → exception/<b>malformed-payload</b>, naming
 *       the config switch: the task asks for what this worker pool does not offer (Taskcluster's
 *       meaning of malformed-payload, and what generic-worker answers for a feature switched off);
 *       running it again here cannot help, so the queue does not retry it;</li>
 *   <li>an allowed device the host does not have → exception/<b>resource-unavailable</b>, naming
 *       the device: the worker is misconfigured or the host broken, not the task wrong.</li>
 * </ul>
 */
public final class CapabilityPolicy {

    private final CapabilityConfig config;
    private final Predicate<Path> hostHas;

    /** @param hostHas whether a path exists on the Docker host (checked only for allowed devices) */
    public CapabilityPolicy(CapabilityConfig config, Predicate<Path> hostHas) {
        this.config = Objects.requireNonNull(config, "config");
        this.hostHas = Objects.requireNonNull(hostHas, "hostHas");
    }

    /**
     * The outcome: {@code notAllowed} lines (malformed-payload) or {@code unavailable} lines
     * (resource-unavailable), or else the container's {@code access}.
     */
    public record Decision(HostAccess access, List<String> notAllowed, List<String> unavailable) {
        public Decision {
            notAllowed = List.copyOf(notAllowed);
            unavailable = List.copyOf(unavailable);
        }
    }

    public Decision decide(DockerPayload.Capabilities requested) {
        List<String> notAllowed = new ArrayList<>();
        List<String> unavailable = new ArrayList<>();
        if (requested.privileged() && !config.privileged()) {
            notAllowed.add("capabilities.privileged: this worker does not run privileged tasks (worker config "
                    + "capabilities.privileged, BERTH_WORKER_ALLOW_PRIVILEGED, is off)");
        }
        if (requested.disableSeccomp() && !config.disableSeccomp()) {
            notAllowed.add("capabilities.disableSeccomp: this worker does not run tasks without seccomp (worker config "
                    + "capabilities.disableSeccomp, BERTH_WORKER_ALLOW_DISABLE_SECCOMP, is off)");
        }
        List<HostAccess.Device> devices = new ArrayList<>();
        List<HostAccess.Bind> binds = new ArrayList<>();
        for (Map.Entry<String, Boolean> e : requested.devices().entrySet()) {
            if (!e.getValue()) continue;
            String name = e.getKey();
            if (!CapabilityConfig.KNOWN_DEVICES.containsKey(name)) {
                notAllowed.add("capabilities.devices." + name + ": unknown device (known: "
                        + String.join(", ", CapabilityConfig.KNOWN_DEVICES.keySet()) + ")");
                continue;
            }
            Path hostPath = config.devices().get(name);
            if (hostPath == null) {
                notAllowed.add("capabilities.devices." + name + ": this worker does not offer the device (worker config "
                        + "capabilities.devices." + name + ", or " + name + " in BERTH_WORKER_DEVICES, is not set)");
                continue;
            }
            if (!hostPath.isAbsolute() || !hostHas.test(hostPath)) {
                unavailable.add("device " + name + " is not available on this worker's host: " + hostPath + " does not exist");
                continue;
            }
            switch (name) {
                // the host's shared memory, shared with the task (docker-worker bound /dev/shm)
                case "hostSharedMemory" -> binds.add(new HostAccess.Bind(hostPath.toString(), "/dev/shm"));
                // one video device, where a task looks for the first one
                case "loopbackVideo" -> devices.add(new HostAccess.Device(hostPath.toString(), "/dev/video0"));
                case "loopbackAudio" -> devices.add(new HostAccess.Device(hostPath.toString(), "/dev/snd"));
                default -> devices.add(new HostAccess.Device(hostPath.toString(), CapabilityConfig.KNOWN_DEVICES.get(name).toString()));
            }
        }
        HostAccess access = new HostAccess(requested.privileged(), requested.disableSeccomp(), devices, binds);
        return new Decision(access, notAllowed, unavailable);
    }

    /**
     * Whether the engine's refusal to start a container means the host cannot grant what the
     * configuration allowed (a device gone since the check, capabilities the engine itself lacks),
     * rather than the task's command being wrong.
     */
    public static boolean isHostRefusal(HostAccess access, String engineMessage) {
        if (access == null || access.isNone() || engineMessage == null) return false;
        return engineMessage.contains("error gathering device information")
                || engineMessage.contains("apply caps")
                || engineMessage.contains("bind source path does not exist");
    }
}
