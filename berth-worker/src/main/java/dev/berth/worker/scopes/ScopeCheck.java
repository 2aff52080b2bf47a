package dev.berth.worker.scopes;

import dev.berth.core.dockerworker.RequiredScopes;
import dev.berth.core.task.TaskDefinition;
import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.runtime.ImageReference;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Checks a run's payload against its task's scopes before anything is made for it: every cache,
 * capability, device, feature and private image the payload asks for needs its {@code docker-worker:}
 * scope ({@link RequiredScopes}). The task's scopes are taken as they are first; only when something is
 * missing are they expanded through roles by the server (a task holding {@code assume:project:x}
 * gets what that role grants).
 */
public final class ScopeCheck {

    /** Expands scopes through roles (the auth service's expandScopes). */
    @FunctionalInterface
    public interface Expander {
        List<String> expand(List<String> scopes) throws IOException;
    }

    /** Takes the task's scopes as they are (no server to ask: tests with a fake queue). */
    public static final Expander AS_GIVEN = scopes -> scopes;

    private final Expander expander;
    private final Set<String> privateRegistries;
    private final dev.berth.worker.features.Features features;

    /**
     * @param privateRegistries registry hosts the worker has credentials for: an image from one of them is
     *     pulled with the worker's credentials and needs {@code docker-worker:image:<name>}
     */
    public ScopeCheck(Expander expander, Set<String> privateRegistries) {
        this(expander, privateRegistries, dev.berth.worker.features.Features.NONE);
    }

    /** @param features the worker's features: each declares the scopes it needs */
    public ScopeCheck(Expander expander, Set<String> privateRegistries, dev.berth.worker.features.Features features) {
        this.expander = expander == null ? AS_GIVEN : expander;
        this.privateRegistries = Set.copyOf(privateRegistries);
        this.features = java.util.Objects.requireNonNull(features, "features");
    }

    /** The same check for a worker with {@code features}. */
    public ScopeCheck withFeatures(dev.berth.worker.features.Features features) {
        return new ScopeCheck(expander, privateRegistries, features);
    }

    /** What the payload asks for that needs a scope. */
    public RequiredScopes.Request request(DockerPayload payload, TaskDefinition task) {
        DockerPayload.Capabilities caps = payload.capabilities();
        // features declare their own scopes (see missing); none goes through docker-worker's one-rule-for-all
        return new RequiredScopes.Request(taskQueueId(task), payload.caches().keySet(), caps.privileged(), caps.disableSeccomp(),
                RequiredScopes.devicesOn(caps.devices()), List.of(), privateImage(payload));
    }

    /**
     * The scopes the task lacks, each as the log should name it; empty when it may run.
     *
     * @throws IOException when the server could not expand the task's scopes
     */
    public List<String> missing(DockerPayload payload, TaskDefinition task) throws IOException {
        RequiredScopes.Request request = request(payload, task);
        List<String> featureScopes = features.requiredScopes(payload);
        List<String> missing = missing(request, payload, featureScopes, task.scopes());
        if (missing.isEmpty()) return missing;
        return missing(request, payload, featureScopes, expander.expand(task.scopes()));
    }

    /** The scope an image build needs: building runs the task's Dockerfile on the worker's own engine. */
    public static String imageBuildScope(String name) {
        return "docker-worker:image-build:" + name;
    }

    private static List<String> missing(RequiredScopes.Request request, DockerPayload payload, List<String> featureScopes,
                                        java.util.Collection<String> held) {
        List<String> missing = new java.util.ArrayList<>(RequiredScopes.missing(request, held));
        for (String scope : featureScopes) {
            if (!dev.berth.core.auth.Scopes.satisfiedBy(held, scope) && !missing.contains(scope)) missing.add(scope);
        }
        if (payload.image() instanceof ImageSpec.Build build
                && !dev.berth.core.auth.Scopes.satisfiedBy(held, imageBuildScope(build.name()))) {
            missing.add(imageBuildScope(build.name()));
        }
        return missing;
    }

    private String privateImage(DockerPayload payload) {
        if (!(payload.image() instanceof ImageSpec.RegistryImage image)) return null;
        ImageReference ref;
        try {
            ref = ImageReference.parse(image.name());
        } catch (RuntimeException e) {
            return null; // the pull says what is wrong with the name
        }
        return privateRegistries.contains(ref.registry()) ? ref.canonical() : null;
    }

    private static String taskQueueId(TaskDefinition task) {
        if (task.taskQueueId() != null) return task.taskQueueId();
        return task.provisionerId() + "/" + task.workerType();
    }
}
