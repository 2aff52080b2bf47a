package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.berth.worker.runtime.ContainerAdditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Puts what a run's features add ({@link ContainerAdditions}) into a container's create call. */
final class ContainerAdditionsConfig {

    private ContainerAdditionsConfig() {}

    static void apply(ContainerAdditions additions, HostConfig host, CreateContainerCmd create) {
        if (additions == null || additions.equals(ContainerAdditions.NONE)) return;
        if (additions.network() != null) {
            host.withNetworkMode(additions.network());
            if (!additions.networkAliases().isEmpty()) create.withAliases(additions.networkAliases());
        }
        if (!additions.extraHosts().isEmpty()) {
            host.withExtraHosts(additions.extraHosts().entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue()).toArray(String[]::new));
        }
        if (!additions.capAdd().isEmpty()) {
            Capability[] added = additions.capAdd().stream().map(Capability::valueOf).toArray(Capability[]::new);
            host.withCapAdd(added);
            // a capability both dropped and added is up to the engine's order; keep it out of the drop list
            if (host.getCapDrop() != null) {
                List<Capability> drop = new ArrayList<>(Arrays.asList(host.getCapDrop()));
                drop.removeAll(Arrays.asList(added));
                host.withCapDrop(drop.toArray(Capability[]::new));
            }
        }
        if (!additions.securityOpts().isEmpty()) {
            List<String> opts = new ArrayList<>(host.getSecurityOpts() == null ? List.of() : host.getSecurityOpts());
            opts.addAll(additions.securityOpts());
            host.withSecurityOpts(opts);
        }
        if (!additions.binds().isEmpty()) {
            List<Mount> mounts = new ArrayList<>(host.getMounts() == null ? List.of() : host.getMounts());
            additions.binds().forEach(b -> mounts.add(new Mount().withType(MountType.BIND).withSource(b.hostPath())
                    .withTarget(b.containerPath()).withReadOnly(b.readOnly())));
            host.withMounts(mounts);
        }
        if (!additions.entrypoint().isEmpty()) create.withEntrypoint(additions.entrypoint());
    }
}
