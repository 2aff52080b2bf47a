package dev.berth.worker.runtime;

import java.util.List;
import java.util.Map;

/**
 * What features add to a task container beyond the payload (see {@code dev.berth.worker.features}). The
 * runtime's security defaults still apply: capabilities are added back one by one, never privileged mode.
 *
 * @param network the run's own network to attach the container to, or null for the engine's default bridge
 * @param networkAliases names the container answers to on {@code network}
 * @param extraHosts host name → IP address written to the container's /etc/hosts
 * @param capAdd Linux capabilities added (e.g. {@code SYS_PTRACE})
 * @param securityOpts engine security options added (e.g. {@code apparmor=<profile>})
 * @param binds host paths bound into the container
 * @param entrypoint replaces the image's entrypoint when not empty
 */
public record ContainerAdditions(
        String network,
        List<String> networkAliases,
        Map<String, String> extraHosts,
        List<String> capAdd,
        List<String> securityOpts,
        List<Bind> binds,
        List<String> entrypoint) {

    /**
     * In {@code entrypoint}: stands for the image's own entrypoint (and its command, when the payload gives
     * none), so a feature can wrap what the container would have run.
     */
    public static final String IMAGE_COMMAND = "<berth:image-command>";

    public static final ContainerAdditions NONE = new ContainerAdditions(null, List.of(), Map.of(), List.of(), List.of(),
            List.of(), List.of());

    public ContainerAdditions {
        networkAliases = List.copyOf(networkAliases);
        extraHosts = Map.copyOf(extraHosts);
        capAdd = List.copyOf(capAdd);
        securityOpts = List.copyOf(securityOpts);
        binds = List.copyOf(binds);
        entrypoint = List.copyOf(entrypoint);
    }

    /** A host path bound at {@code containerPath}, read-only or not. */
    public record Bind(String hostPath, String containerPath, boolean readOnly) {}
}
