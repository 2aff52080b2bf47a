package dev.berth.worker.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to create one task container. The runtime adds the security defaults
 * (unprivileged, {@code no-new-privileges}, dropped capabilities) on top of what is said here, so
 * a spec can never switch them off.
 *
 * @param image a registry reference already made present with {@link ContainerRuntime#ensureImage}
 * @param command the command and its arguments; empty means the image's default command
 * @param env environment variables, already merged with the reserved ones
 * @param labels labels for the container (the run's identity); {@code dev.berth.managed=true} is
 *     always added by the runtime
 * @param limits memory, CPU and process limits
 * @param workingDir working directory inside the container, or null for the image's default
 * @param user user (name or uid[:gid]) to run as, or null for the image's default
 * @param volumes named volumes to mount (caches)
 * @param hostAccess what the task may reach of the host beyond the defaults (payload capabilities
 *     the worker allowed); {@link HostAccess#NONE} for ordinary tasks
 * @param additions what the run's features add (network, hosts, capabilities, mounts)
 */
public record ContainerSpec(
        String image,
        List<String> command,
        Map<String, String> env,
        Map<String, String> labels,
        ResourceLimits limits,
        String workingDir,
        String user,
        List<VolumeMount> volumes,
        HostAccess hostAccess,
        ContainerAdditions additions) {

    /** Without host access beyond the defaults. */
    public ContainerSpec(String image, List<String> command, Map<String, String> env, Map<String, String> labels,
                         ResourceLimits limits, String workingDir, String user, List<VolumeMount> volumes) {
        this(image, command, env, labels, limits, workingDir, user, volumes, HostAccess.NONE);
    }

    /** Without feature additions. */
    public ContainerSpec(String image, List<String> command, Map<String, String> env, Map<String, String> labels,
                         ResourceLimits limits, String workingDir, String user, List<VolumeMount> volumes, HostAccess hostAccess) {
        this(image, command, env, labels, limits, workingDir, user, volumes, hostAccess, ContainerAdditions.NONE);
    }

    public ContainerSpec {
        if (hostAccess == null) hostAccess = HostAccess.NONE;
        if (additions == null) additions = ContainerAdditions.NONE;
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(limits, "limits");
        command = List.copyOf(command);
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** Names the env variables but leaves their values out: some are secrets (encryptedEnv). */
    @Override
    public String toString() {
        return "ContainerSpec[image=" + image + ", command=" + command + ", env=" + new java.util.TreeSet<>(env.keySet())
                + ", labels=" + labels + ", limits=" + limits + ", workingDir=" + workingDir + ", user=" + user
                + ", volumes=" + volumes + ", hostAccess=" + hostAccess + ", additions=" + additions + "]";
    }

    /** A named volume mounted at {@code containerPath}. */
    public record VolumeMount(String volumeName, String containerPath, boolean readOnly) {}
}
