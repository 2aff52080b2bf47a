package dev.berth.worker.features.proxy;

import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import dev.berth.worker.payload.DockerPayload;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configured service proxy (seed 002's {@code balrogVPNProxy}, {@code relengAPIProxy}, {@code testdroidProxy}):
 * the task calls {@code http://<alias>/...}, the worker forwards to the upstream with the configured headers, and,
 * for a service with permissions, the ones the task's scopes name literally.
 */
public final class ServiceProxyFeature implements TaskFeature {

    private final ServiceProxyConfig config;
    private final ProxyEndpoints endpoints;
    private final Forwarder forwarder;

    ServiceProxyFeature(ServiceProxyConfig config, ProxyEndpoints endpoints, Forwarder forwarder) {
        this.config = config;
        this.endpoints = endpoints;
        this.forwarder = forwarder;
    }

    @Override
    public String key() {
        return config.name();
    }

    @Override
    public List<String> requiredScopes(DockerPayload payload) {
        return config.scope() == null ? List.of() : List.of(config.scope());
    }

    @Override
    public boolean needsTaskNetwork() {
        return true;
    }

    ServiceProxyConfig config() {
        return config;
    }

    @Override
    public RunFeature open(FeatureRun run) {
        Map<String, String> added = new LinkedHashMap<>(config.headers());
        return new ProxiedRun(endpoints, run, config.alias(), exchange -> {
            URI requested = exchange.getRequestURI();
            URI target = URI.create(config.upstream() + requested.getRawPath()
                    + (requested.getRawQuery() == null ? "" : "?" + requested.getRawQuery()));
            forwarder.forward(exchange, target, added);
        }) {
            @Override
            void prepare(ContainerSetup setup) throws FeatureFailure {
                if (config.permissionScopePrefix() == null) return;
                List<String> held = permissions(run.run().task().scopes());
                if (held.isEmpty()) {
                    throw FeatureFailure.malformed("feature " + config.name() + " needs at least one scope "
                            + config.permissionScopePrefix() + "<permission> in the task's scopes, written out (a scope "
                            + "ending in * grants none)" + (config.permissions().isEmpty() ? ""
                            : "; permissions: " + String.join(", ", config.permissions())));
                }
                added.put(config.permissionsHeader(), String.join(",", held));
                run.log().accept(config.name() + ": http://" + config.alias() + " with permissions " + String.join(", ", held));
            }
        };
    }

    /** The permissions {@code taskScopes} name literally under the prefix (no wildcard grants one), allowed ones only. */
    List<String> permissions(List<String> taskScopes) {
        List<String> out = new ArrayList<>();
        for (String scope : taskScopes) {
            if (!scope.startsWith(config.permissionScopePrefix())) continue;
            String permission = scope.substring(config.permissionScopePrefix().length());
            if (permission.isEmpty() || permission.endsWith("*")) continue;
            if (!config.permissions().isEmpty() && !config.permissions().contains(permission)) continue;
            if (!out.contains(permission)) out.add(permission);
        }
        return out;
    }
}
