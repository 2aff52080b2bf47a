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
                               List<String> command, List<String> volumes, HostConfig hostConfig, String hostname,
                               boolean followStartupLogs, int minCapacity, int maxCapacity, int capacityPerWorker,
                               Duration idleTimeout, JsonNode workerConfig) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** One engine the pool may use. */
    public record DockerHost(String host, boolean tlsVerify, String certPath, String apiVersion) {}

    /**
     * The whitelisted part of Docker's host config a pool may set; sizes in bytes. Null or empty: the engine's
     * default.
     */
    public record HostConfig(String networkMode, List<String> dns, List<String> extraHosts, Long shmSize, Long memory,
                             Double cpus, List<String> devices) {
        public HostConfig {
            dns = List.copyOf(dns);
            extraHosts = List.copyOf(extraHosts);
            devices = List.copyOf(devices);
        }

        static HostConfig of(JsonNode n) {
            return new HostConfig(text(n, "networkMode"), strings(n.path("dns")), strings(n.path("extraHosts")),
                    n.has("shmSize") ? bytes(n.get("shmSize")) : null, n.has("memory") ? bytes(n.get("memory")) : null,
                    n.has("cpus") ? n.get("cpus").asDouble() : null, strings(n.path("devices")));
        }
    }

    public enum PullPolicy {
        ALWAYS, IF_NOT_PRESENT, NEVER;

        static PullPolicy of(String wire) { return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_')); }
    }

    public DockerPoolConfig {
        dockerHosts = List.copyOf(dockerHosts);
        command = command == null ? null : List.copyOf(command);
        volumes = List.copyOf(volumes);
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
        List<String> volumes = strings(config.path("volumes"));
        JsonNode empty = JsonNodeFactory.instance.objectNode();
        return new DockerPoolConfig(hosts, text(config, "image"), text(config, "dockerfile"),
                config.has("pullPolicy") ? PullPolicy.of(config.get("pullPolicy").asText()) : PullPolicy.IF_NOT_PRESENT,
                command, volumes, HostConfig.of(config.path("hostConfig")), text(config, "hostname"),
                config.path("followStartupLogs").asBoolean(false), config.path("minCapacity").asInt(0),
                config.path("maxCapacity").asInt(), config.path("capacityPerWorker").asInt(1),
                config.has("idleTimeout") ? Duration.ofSeconds(config.get("idleTimeout").asLong()) : DEFAULT_IDLE_TIMEOUT,
                config.has("workerConfig") ? config.get("workerConfig") : empty);
    }

    /** A dockerfile was given: the image is built from it on a host where it is missing. */
    public boolean buildsImage() { return dockerfile != null; }

    /**
     * The image the workers run: {@code image}, or for a dockerfile alone a name made from the dockerfile's text
     * ({@code berth-pool/<sha256 prefix>:latest}), so the same text is built once per host and a changed one anew.
     */
    public String imageName() {
        if (image != null) return image;
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(dockerfile.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "berth-pool/" + java.util.HexFormat.of().formatHex(d).substring(0, 16) + ":latest";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes from a number, or a string of digits with an optional b, k, m or g (powers of 1024, as Docker reads them). */
    static long bytes(JsonNode n) {
        if (n.isNumber()) return n.asLong();
        String s = n.asText().toLowerCase(Locale.ROOT);
        char unit = s.charAt(s.length() - 1);
        int shift = switch (unit) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = Character.isDigit(unit) ? s : s.substring(0, s.length() - 1);
        return Math.multiplyExact(Long.parseLong(digits), 1L << shift);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : array) out.add(v.asText());
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
