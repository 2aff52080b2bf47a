package dev.berth.worker.features.proxy;

import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;

/**
 * One proxy feature's part in a run: a name on the run's endpoint (bound by the first proxy feature of the run),
 * that name in the task's {@code /etc/hosts}, and the task container's address as the only one answered.
 */
abstract class ProxiedRun implements RunFeature {

    private final ProxyEndpoints endpoints;
    private final FeatureRun run;
    private final String host;
    private final ProxyEndpoint.Route route;
    private ProxyEndpoint endpoint;

    ProxiedRun(ProxyEndpoints endpoints, FeatureRun run, String host, ProxyEndpoint.Route route) {
        this.endpoints = endpoints;
        this.run = run;
        this.host = host;
        this.route = route;
    }

    /** The feature's own checks and container settings, before anything is bound. */
    abstract void prepare(ContainerSetup setup) throws FeatureFailure;

    @Override
    public final void beforeCreate(ContainerSetup setup) throws FeatureFailure {
        prepare(setup);
        endpoint = endpoints.acquire(run.network());
        endpoint.route(host, route);
        setup.host(host, run.network().gateway());
    }

    @Override
    public final void afterStart(String containerId) throws FeatureFailure {
        if (endpoint == null || endpoint.allowed() != null) return; // another proxy feature of the run looked it up
        // no address: the container has ended already (a quick command; the engine releases its address at the
        // exit), so there is nobody to serve, and the endpoint keeps refusing everyone
        run.runtime().containerAddress(containerId, run.network().name()).ifPresent(endpoint::allow);
    }

    @Override
    public final void close() {
        if (endpoint == null) return;
        endpoint.unroute(host);
        endpoints.release(run.network());
        endpoint = null;
    }
}
