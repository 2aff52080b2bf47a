package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code docker} pool's config read into values with their defaults filled in, for the provisioner. The JSON
 * has been checked against {@code worker-manager/v1/docker-provider-config.json} before it gets here.
 */
public record DockerPoolConfig(List<DockerHost> dockerHosts, String image, String dockerfile, PullPolicy pullPolicy,
                               List<String> command, List<String> volumes, JsonNode hostConfig, String hostname,
                               boolean followStartupLogs, int minCapacity, int maxCapacity, int capacityPerWorker,
                               Duration idleTimeout, JsonNode workerConfig) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** One engine the pool may use. */
    public record DockerHost(String host, boolean tlsVerify, String certPath, String apiVersion) {}

    public enum PullPolicy {
        ALWAYS, IF_NOT_PRESENT, NEVER;

        static PullPolicy of(String wire) { return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_')); }
    }

    public DockerPoolConfig {
        dockerHosts = List.copyOf(dockerHosts);
        command = command == null ? null : List.copyOf(command);
        volumes = List.copyOf(volumes);
        hostConfig = hostConfig.deepCopy();
        workerConfig = workerConfig.deepCopy();
    }

    /** Reads a config that matched the schema. */
    public static DockerPoolConfig of(JsonNode config) {
        List<DockerHost> hosts = new ArrayList<>();
        for (JsonNode h : config.path("dockerHosts")) {
            if (h.isTextual()) {
                hosts.add(new DockerHost(h.asText(), false, null, null));
            } else {
                hosts.add(new DockerHost(h.path("host").asText(), h.path("tlsVerify").asBoolean(false),
                        text(h, "certPath"), text(h, "apiVersion")));
            }
        }
        List<String> command = null;
        if (config.has("command")) {
            command = new ArrayList<>();
            for (JsonNode c : config.get("command")) command.add(c.asText());
        }
        List<String> volumes = new ArrayList<>();
        for (JsonNode v : config.path("volumes")) volumes.add(v.asText());
        JsonNode empty = JsonNodeFactory.instance.objectNode();
        return new DockerPoolConfig(hosts, text(config, "image"), text(config, "dockerfile"),
                config.has("pullPolicy") ? PullPolicy.of(config.get("pullPolicy").asText()) : PullPolicy.IF_NOT_PRESENT,
                command, volumes, config.has("hostConfig") ? config.get("hostConfig") : empty, text(config, "hostname"),
                config.path("followStartupLogs").asBoolean(false), config.path("minCapacity").asInt(0),
                config.path("maxCapacity").asInt(), config.path("capacityPerWorker").asInt(1),
                config.has("idleTimeout") ? Duration.ofSeconds(config.get("idleTimeout").asLong()) : DEFAULT_IDLE_TIMEOUT,
                config.has("workerConfig") ? config.get("workerConfig") : empty);
    }

    /** Only the dockerfile was given: the image is built from it, tagged by the provisioner. */
    public boolean buildsImage() { return dockerfile != null; }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
