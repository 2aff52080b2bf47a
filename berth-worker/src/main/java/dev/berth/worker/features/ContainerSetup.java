package dev.berth.worker.features;

import dev.berth.worker.runtime.ContainerAdditions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What the run's features add to its container, gathered before it is created. Not thread-safe: one run's thread. */
public final class ContainerSetup {

    private final String network;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> aliases = new ArrayList<>();
    private final Map<String, String> extraHosts = new LinkedHashMap<>();
    private final List<String> capAdd = new ArrayList<>();
    private final List<String> securityOpts = new ArrayList<>();
    private final List<ContainerAdditions.Bind> binds = new ArrayList<>();
    private List<String> entrypoint = List.of();

    /** @param network the run's network name, or null when it has none */
    public ContainerSetup(String network) {
        this.network = network;
    }

    /** An environment variable the task sees (over the payload's; reserved names stay the worker's). */
    public ContainerSetup env(String name, String value) {
        env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** A name the task container answers to on the run's network. */
    public ContainerSetup alias(String alias) {
        aliases.add(alias);
        return this;
    }

    /** {@code host} resolves to {@code ip} in the container. */
    public ContainerSetup host(String host, String ip) {
        extraHosts.put(host, ip);
        return this;
    }

    /** A Linux capability given back (its name without {@code CAP_}). */
    public ContainerSetup capability(String capability) {
        if (!capAdd.contains(capability)) capAdd.add(capability);
        return this;
    }

    public ContainerSetup securityOpt(String opt) {
        securityOpts.add(opt);
        return this;
    }

    public ContainerSetup bind(String hostPath, String containerPath, boolean readOnly) {
        binds.add(new ContainerAdditions.Bind(hostPath, containerPath, readOnly));
        return this;
    }

    /** Replaces the image's entrypoint (the payload's command stays the arguments). */
    public ContainerSetup entrypoint(List<String> entrypoint) {
        this.entrypoint = List.copyOf(entrypoint);
        return this;
    }

    public String network() {
        return network;
    }

    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    public ContainerAdditions additions() {
        return new ContainerAdditions(network, aliases, extraHosts, capAdd, securityOpts, binds, entrypoint);
    }
}
