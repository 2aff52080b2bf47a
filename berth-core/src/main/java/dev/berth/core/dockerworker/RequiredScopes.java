package dev.berth.core.dockerworker;

import dev.berth.core.auth.Scopes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code docker-worker:} scopes a payload needs, as docker-worker asked for them, and which of them a
 * task's (role-expanded) scopes lack. Pure: the worker maps its payload to a {@link Request}, asks the
 * server to expand the task's scopes, and refuses the run (malformed-payload) with each missing scope.
 */
public final class RequiredScopes {

    private RequiredScopes() {}

    /**
     * What a payload asks for that needs a scope.
     *
     * @param taskQueueId the queue the task came from (a cache scope may name it)
     * @param caches cache names
     * @param privileged {@code capabilities.privileged}
     * @param disableSeccomp {@code capabilities.disableSeccomp}
     * @param devices device names asked for ({@code capabilities.devices} set to true)
     * @param features feature names enabled
     * @param privateImage {@code <repository>:<tag>} of an image pulled with the worker's own registry
     *     credentials, or null for a public image (which needs no scope)
     */
    public record Request(String taskQueueId, Collection<String> caches, boolean privileged, boolean disableSeccomp,
                          Collection<String> devices, Collection<String> features, String privateImage) {
        public Request {
            Objects.requireNonNull(taskQueueId, "taskQueueId");
            caches = List.copyOf(caches);
            devices = List.copyOf(devices);
            features = List.copyOf(features);
        }
    }

    /**
     * One scope the task must hold: {@code scope}, or any one of {@code alternatives} (docker-worker took a
     * cache scope with or without the task queue id). The log names {@link #scope()}.
     */
    public record Requirement(String scope, List<String> alternatives) {
        public Requirement {
            Objects.requireNonNull(scope, "scope");
            alternatives = List.copyOf(alternatives);
        }

        public boolean satisfiedBy(Collection<String> held) {
            if (Scopes.satisfiedBy(held, scope)) return true;
            for (String alternative : alternatives) if (Scopes.satisfiedBy(held, alternative)) return true;
            return false;
        }
    }

    /** Every scope {@code request} needs, in payload order: caches, capabilities, devices, features, image. */
    public static List<Requirement> of(Request request) {
        List<Requirement> out = new ArrayList<>();
        for (String cache : request.caches()) {
            out.add(new Requirement("docker-worker:cache:" + cache,
                    List.of("docker-worker:cache:" + cache + ":" + request.taskQueueId())));
        }
        if (request.privileged()) out.add(new Requirement("docker-worker:capability:privileged", List.of()));
        if (request.disableSeccomp()) out.add(new Requirement("docker-worker:capability:disableSeccomp", List.of()));
        for (String device : request.devices()) {
            out.add(new Requirement("docker-worker:capability:device:" + device, List.of()));
        }
        for (String feature : request.features()) {
            out.add(new Requirement("docker-worker:feature:" + feature, List.of()));
        }
        if (request.privateImage() != null) {
            out.add(new Requirement("docker-worker:image:" + request.privateImage(), List.of()));
        }
        return List.copyOf(out);
    }

    /** The scopes (as {@link Requirement#scope()}) that {@code held} does not satisfy, in the order of {@link #of}. */
    public static List<String> missing(Request request, Collection<String> held) {
        List<String> missing = new ArrayList<>();
        for (Requirement r : of(request)) if (!r.satisfiedBy(held)) missing.add(r.scope());
        return missing;
    }

    /** Convenience for a request with only caches. */
    public static Request caches(String taskQueueId, Collection<String> caches) {
        return new Request(taskQueueId, caches, false, false, List.of(), List.of(), null);
    }

    /** The devices of a {@code capabilities.devices} map that are switched on. */
    public static List<String> devicesOn(Map<String, Boolean> devices) {
        return devices.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
    }
}
