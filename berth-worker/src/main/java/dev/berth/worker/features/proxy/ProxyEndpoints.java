package dev.berth.worker.features.proxy;

import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.runtime.TaskNetwork;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The worker's per-run endpoints, one per run network, shared by the run's proxy features: the first feature
 * of a run to need it binds it, the last to let go closes it.
 */
final class ProxyEndpoints {

    private final int port;
    private final java.time.Duration addressWait;
    private final Map<String, Held> byNetwork = new HashMap<>();

    private static final class Held {
        final ProxyEndpoint endpoint;
        int users;

        Held(ProxyEndpoint endpoint) {
            this.endpoint = endpoint;
        }
    }

    /** @param port where each endpoint listens on its gateway (80: what {@code http://taskcluster} means) */
    ProxyEndpoints(int port) {
        this(port, java.time.Duration.ofSeconds(10));
    }

    /** @param addressWait how long a request waits for its task container's address (known once it started) */
    ProxyEndpoints(int port, java.time.Duration addressWait) {
        this.port = port;
        this.addressWait = addressWait;
    }

    /**
     * The run's endpoint, bound on its network's gateway when no feature of the run holds it yet. Each call is
     * matched by one {@link #release}.
     *
     * @throws FeatureFailure resource-unavailable when the run has no network or the gateway's port cannot be bound
     */
    synchronized ProxyEndpoint acquire(TaskNetwork network) throws FeatureFailure {
        if (network == null || network.gateway() == null) {
            throw FeatureFailure.unavailable("the run's network has no IPv4 gateway for the worker's proxy to listen on", null);
        }
        Held held = byNetwork.get(network.id());
        if (held == null) {
            try {
                held = new Held(ProxyEndpoint.bind(network.gateway(), port, addressWait));
            } catch (IOException | RuntimeException e) {
                throw FeatureFailure.unavailable("the worker cannot listen on " + network.gateway() + ":" + port
                        + " (the run network's gateway) for the task's proxies: " + e
                        + (port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : ""), e);
            }
            byNetwork.put(network.id(), held);
        }
        held.users++;
        return held.endpoint;
    }

    /** One user of the network's endpoint is done; the last one closes it. */
    synchronized void release(TaskNetwork network) {
        Held held = byNetwork.get(network.id());
        if (held == null) return;
        if (--held.users <= 0) {
            byNetwork.remove(network.id());
            held.endpoint.close();
        }
    }

    /** The endpoint open for the network, or null (tests find its port here). */
    synchronized ProxyEndpoint endpointOf(String networkId) {
        Held held = byNetwork.get(networkId);
        return held == null ? null : held.endpoint;
    }

    /** How many endpoints are open (for tests and the worker's own checks). */
    synchronized int open() {
        return byNetwork.size();
    }
}
