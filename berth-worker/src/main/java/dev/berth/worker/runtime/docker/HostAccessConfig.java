package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.berth.worker.runtime.HostAccess;
import java.util.ArrayList;
import java.util.List;

/** Puts a {@link HostAccess} into a container's host config, over the runtime's confinement defaults. */
final class HostAccessConfig {

    static final String SECCOMP_UNCONFINED = "seccomp=unconfined";

    private HostAccessConfig() {}

    static void apply(HostAccess access, HostConfig host, String noNewPrivileges) {
        if (access == null || access.isNone()) return;
        List<String> securityOpts = new ArrayList<>(host.getSecurityOpts() == null ? List.of() : host.getSecurityOpts());
        if (access.privileged()) {
            // what `docker run --privileged` gives: the task may need setuid tools (sudo) and every
            // capability, so the no-new-privileges flag and the dropped capabilities go too
            host.withPrivileged(true);
            host.withCapDrop(new Capability[0]);
            securityOpts.remove(noNewPrivileges);
        }
        if (access.seccompUnconfined()) securityOpts.add(SECCOMP_UNCONFINED);
        host.withSecurityOpts(securityOpts);
        if (!access.devices().isEmpty()) {
            List<Device> devices = new ArrayList<>(host.getDevices() == null ? List.of() : List.of(host.getDevices()));
            access.devices().forEach(d -> devices.add(new Device("rwm", d.containerPath(), d.hostPath())));
            host.withDevices(devices);
        }
        if (!access.binds().isEmpty()) {
            // a mount, not a bind: the engine refuses a missing source instead of creating it
            List<Mount> mounts = new ArrayList<>(host.getMounts() == null ? List.of() : host.getMounts());
            access.binds().forEach(b -> mounts.add(new Mount().withType(MountType.BIND).withSource(b.hostPath())
                    .withTarget(b.containerPath()).withReadOnly(false)));
            host.withMounts(mounts);
        }
    }
}
