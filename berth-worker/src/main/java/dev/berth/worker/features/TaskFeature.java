package dev.berth.worker.features;

import dev.berth.worker.payload.DockerPayload;
import java.util.List;

/**
 * One payload feature ({@code payload.features.<key>: true}) of this worker: what it is called, what the
 * task must hold to use it, and what it does around one run ({@link #open}). Features are listed once in
 * the worker's {@link Features}, in the order their hooks run.
 */
public interface TaskFeature {

    /** The key under {@code payload.features}. */
    String key();

    /**
     * The scopes the task must hold (expanded through roles) to enable it; empty when any task may. Checked
     * with the payload's other {@code docker-worker:} scopes before anything is made for the run.
     */
    default List<String> requiredScopes(DockerPayload payload) {
        return List.of();
    }

    /** Whether the feature is on when the worker's configuration does not say. */
    default boolean onByDefault() {
        return true;
    }

    /** Whether the run needs its own network (sidecars or worker endpoints reached by alias). */
    default boolean needsTaskNetwork() {
        return false;
    }

    /** Starts the feature for one run; its hooks are then called in order, and {@link RunFeature#close} always. */
    RunFeature open(FeatureRun run);
}
