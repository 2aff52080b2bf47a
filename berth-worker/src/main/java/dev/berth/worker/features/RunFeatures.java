package dev.berth.worker.features;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.TaskNetwork;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active features of one run through their lifecycle: the run's network (when one needs it), then each
 * feature's hooks in order, then their release in reverse order and the network's removal. A hook that fails
 * becomes a {@link FeatureFailure} naming the feature; {@link #close} always releases what was opened.
 */
public final class RunFeatures implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunFeatures.class);

    public static final RunFeatures NONE = new RunFeatures(List.of(), List.of(), null, null);

    private final List<TaskFeature> features;
    private final List<RunFeature> opened;  // filled on the run's thread before any other thread sees it
    private final TaskNetwork network;
    private final ContainerRuntime runtime;
    private boolean closed;

    private RunFeatures(List<TaskFeature> features, List<RunFeature> opened, TaskNetwork network, ContainerRuntime runtime) {
        this.features = features;
        this.opened = opened;
        this.network = network;
        this.runtime = runtime;
    }

    /**
     * Makes the run's network when a feature needs one, then opens every feature for the run.
     *
     * @param base the run without a network; the network made here is put in
     * @param labels the run's identity labels, put on the network
     */
    public static RunFeatures open(Features.Selection selection, FeatureRun base, Map<String, String> labels)
            throws FeatureFailure {
        if (selection.active().isEmpty()) return NONE;
        TaskNetwork network = null;
        if (selection.needsTaskNetwork()) {
            String name = "berth-" + base.taskId() + "-" + base.runId() + "-" + UUID.randomUUID().toString().substring(0, 8);
            try {
                network = base.runtime().createNetwork(name, new LinkedHashMap<>(labels));
            } catch (EngineUnavailableException e) {
                throw e;
            } catch (ContainerRuntimeException e) {
                throw FeatureFailure.unavailable("the run's network could not be made: " + e.getMessage(), e);
            }
        }
        FeatureRun run = new FeatureRun(base.run(), base.payload(), base.claim(), base.settings(), base.runtime(), network,
                base.reporter(), base.log(), base.clock());
        List<RunFeature> opened = new ArrayList<>();
        RunFeatures features = new RunFeatures(selection.active(), opened, network, base.runtime());
        for (TaskFeature f : selection.active()) {
            try {
                opened.add(f.open(run));
            } catch (RuntimeException e) {
                features.close();
                throw failure(f, "could not start", e);
            }
        }
        return features;
    }

    /** The run's network, or null. */
    public TaskNetwork network() {
        return network;
    }

    public boolean isEmpty() {
        return features.isEmpty();
    }

    public String describe() {
        return String.join(", ", features.stream().map(TaskFeature::key).toList());
    }

    public void beforeCreate(ContainerSetup setup) throws FeatureFailure {
        each("could not prepare the container", f -> f.beforeCreate(setup));
    }

    public void afterStart(String containerId) throws FeatureFailure {
        each("failed once the container started", f -> f.afterStart(containerId));
    }

    public void afterExit(String containerId, ContainerExit exit) throws FeatureFailure {
        each("failed after the command ended", f -> f.afterExit(containerId, exit));
    }

    private interface Hook {
        void call(RunFeature f) throws Exception;
    }

    private void each(String what, Hook hook) throws FeatureFailure {
        for (int i = 0; i < opened.size(); i++) {
            try {
                hook.call(opened.get(i));
            } catch (FeatureFailure e) {
                throw e;
            } catch (EngineUnavailableException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure(features.get(i), what + " (interrupted)", e);
            } catch (Exception e) {
                throw failure(features.get(i), what, e);
            }
        }
    }

    private static FeatureFailure failure(TaskFeature f, String what, Exception e) {
        String message = "feature " + f.key() + " " + what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
        LOG.warn("{}", message, e);
        return e instanceof ContainerRuntimeException
                ? FeatureFailure.unavailable(message, e)
                : FeatureFailure.internal(message, e);
    }

    /** Tells every opened feature that the run was cancelled (from any thread); failures are logged only. */
    public void cancel() {
        for (RunFeature f : List.copyOf(opened)) {
            try {
                f.onCancel();
            } catch (RuntimeException e) {
                LOG.warn("a feature failed to stop on cancel: {}", e.toString());
            }
        }
    }

    /** Releases every opened feature (last first), then removes the network; failures are logged only. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        List<RunFeature> reversed = new ArrayList<>(opened);
        Collections.reverse(reversed);
        for (RunFeature f : reversed) {
            try {
                f.close();
            } catch (RuntimeException e) {
                LOG.warn("a feature failed to release its part of the run: {}", e.toString());
            }
        }
        if (network != null) {
            try {
                runtime.removeNetwork(network.id());
            } catch (RuntimeException e) {
                // the leftover cleaner tries again
                LOG.warn("could not remove network {}: {}", network.name(), e.toString());
            }
        }
    }
}
