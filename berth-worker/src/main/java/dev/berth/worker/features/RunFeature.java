package dev.berth.worker.features;

import dev.berth.worker.runtime.ContainerExit;

/**
 * A feature's part in one run. Hooks run on the run's thread in the features' order; one that throws ends
 * the run (a {@link FeatureFailure} says how, anything else is internal-error) and {@link #close} still runs.
 */
public interface RunFeature extends AutoCloseable {

    /** Before the container is created: may add env, hosts, aliases, mounts, capabilities. */
    default void beforeCreate(ContainerSetup setup) throws Exception {}

    /** The container runs. */
    default void afterStart(String containerId) throws Exception {}

    /**
     * The task's command ended (not called when the run was cancelled). May upload artifacts and may hold the
     * run for a while (the container stays until every feature returned).
     */
    default void afterExit(String containerId, ContainerExit exit) throws Exception {}

    /**
     * The run was cancelled (the queue resolved it, or the worker stops): stop anything that holds the run
     * now. Called from another thread than the hooks; must not throw. {@link #close} follows.
     */
    default void onCancel() {}

    /** The run is over (also after a failure or a cancel): release everything; must not throw. */
    @Override
    default void close() {}
}
