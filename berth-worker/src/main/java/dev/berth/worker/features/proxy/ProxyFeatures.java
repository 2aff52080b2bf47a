package dev.berth.worker.features.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.worker.features.FeatureConfig;
import dev.berth.worker.features.TaskFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's proxy features, sharing one endpoint per run: {@code taskclusterProxy}, then each service the
 * configuration names (a key of {@code features:} with {@code upstream}), in name order.
 */
public final class ProxyFeatures {

    /** Where the run's endpoint listens on its gateway: what {@code http://taskcluster} and {@code http://<alias>} mean. */
    public static final int PORT = 80;

    private ProxyFeatures() {}

    public static List<TaskFeature> of(FeatureConfig config) {
        return of(config, new ProxyEndpoints(PORT), new Forwarder());
    }

    static List<TaskFeature> of(FeatureConfig config, ProxyEndpoints endpoints, Forwarder forwarder) {
        List<TaskFeature> out = new ArrayList<>();
        out.add(new TaskclusterProxyFeature(endpoints, forwarder));
        // in name order: the hook order must not depend on how the configuration map is kept
        for (String name : new java.util.TreeSet<>(config.named())) {
            ObjectNode options = config.optionsOf(name);
            if (name.equals(TaskclusterProxyFeature.KEY) || !ServiceProxyConfig.isServiceProxy(options)) continue;
            out.add(new ServiceProxyFeature(ServiceProxyConfig.read(name, options), endpoints, forwarder));
        }
        return out;
    }
}
