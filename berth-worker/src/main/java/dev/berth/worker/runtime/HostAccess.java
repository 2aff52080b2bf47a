package dev.berth.worker.runtime;

import java.util.List;

/**
 * What a task container may reach of its host beyond the default confinement, each granted by the
 * worker's configuration (and the task's scopes): privileged mode, no seccomp filter, host devices
 * and host paths bound in. {@link #NONE} for ordinary tasks.
 *
 * @param privileged Docker's privileged mode (all capabilities, all devices, no confinement)
 * @param seccompUnconfined no seccomp profile
 * @param devices host device nodes (or directories of them) made available in the container
 * @param binds host paths bound into the container (read-write); the host path must exist
 */
public record HostAccess(boolean privileged, boolean seccompUnconfined, List<Device> devices, List<Bind> binds) {

    public static final HostAccess NONE = new HostAccess(false, false, List.of(), List.of());

    public HostAccess {
        devices = List.copyOf(devices);
        binds = List.copyOf(binds);
    }

    public boolean isNone() {
        return !privileged && !seccompUnconfined && devices.isEmpty() && binds.isEmpty();
    }

    /** A host device at {@code hostPath}, seen at {@code containerPath} in the container. */
    public record Device(String hostPath, String containerPath) {}

    /** A host path bound at {@code containerPath}. */
    public record Bind(String hostPath, String containerPath) {}
}
