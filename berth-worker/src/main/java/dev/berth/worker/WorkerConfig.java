package dev.berth.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.core.BerthException;
import dev.berth.worker.capabilities.CapabilityConfig;
import dev.berth.worker.capabilities.CapabilityConfigReader;
import dev.berth.worker.features.FeatureConfig;
import dev.berth.worker.secrets.WorkerKey;
import dev.berth.worker.run.WorkerSettings;
import dev.berth.worker.runtime.RegistryCredentials;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of a Docker worker: a YAML config file, then environment variables over it (an env
 * variable that is set and not blank wins). Every setting has a default except the root URL and
 * the credentials, which only {@link #requireQueueAccess()} insists on (a worker embedded with its
 * own queue does not need them).
 *
 * <pre>
 * rootUrl: http://host:8080          # BERTH_ROOT_URL, then TASKCLUSTER_ROOT_URL
 * credentials:
 *   clientId: worker/local           # TASKCLUSTER_CLIENT_ID
 *   accessToken: ...                 # TASKCLUSTER_ACCESS_TOKEN
 * taskQueueId: local/docker          # BERTH_TASK_QUEUE (provisionerId/workerType)
 * workerGroup: local                 # BERTH_WORKER_GROUP
 * workerId: my-host                  # BERTH_WORKER_ID (default: the host name, sanitised)
 * capacity: 1                        # BERTH_WORKER_CAPACITY, tasks at once
 * docker:
 *   host: unix:///var/run/docker.sock  # BERTH_DOCKER_HOST (or tcp://host:2376)
 *   tlsVerify: false                   # BERTH_DOCKER_TLS_VERIFY
 *   certPath: /etc/berth/docker-tls    # BERTH_DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)
 * registries:                        # file only: never put passwords in the environment
 *   registry.example.com:5000: {username: u, password: p}
 * limits:
 *   memory: 2g                       # BERTH_WORKER_MEMORY (k, m, g; plain number = bytes)
 *   cpus: 1.5                        # BERTH_WORKER_CPUS (0 = no CPU quota)
 *   pids: 1024                       # BERTH_WORKER_PIDS
 * dataDir: .berth/worker             # BERTH_DATA_DIR
 * minFreeDisk: 1g                    # BERTH_WORKER_MIN_FREE_DISK: no claims while less is free
 * instanceType: m5.large             # BERTH_INSTANCE_TYPE, given to tasks
 * publicIp: 203.0.113.7              # BERTH_PUBLIC_IP, given to tasks
 * metricsPort: 9464                  # BERTH_WORKER_METRICS_PORT: Prometheus text at /metrics (default: none)
 * metricsBindHost: 127.0.0.1         # BERTH_WORKER_METRICS_BIND, where that port listens
 * caches:
 *   dir: /var/lib/berth/caches       # BERTH_WORKER_CACHE_DIR: cache instances' data (default: the engine's volumes)
 *   imageIdle: 1h                    # BERTH_WORKER_IMAGE_IDLE: low disk removes images unused this long (s, m, h, d)
 * secrets:
 *   privateKeyFile: /etc/berth/worker-key.asc  # BERTH_WORKER_PRIVATE_KEY (default: dataDir/worker-key.asc, generated)
 * capabilities:                      # what payload.capabilities may ask; all off by default
 *   privileged: false                # BERTH_WORKER_ALLOW_PRIVILEGED
 *   disableSeccomp: false            # BERTH_WORKER_ALLOW_DISABLE_SECCOMP
 *   devices: {kvm: true}             # BERTH_WORKER_DEVICES=kvm,loopbackVideo=/dev/video3
 * features:                          # payload.features this worker offers; BERTH_WORKER_FEATURES_OFF=a,b switches off
 *   allowPtrace: false               # a feature off, or a map of its options ({enabled: true, ...})
 * </pre>
 */
public record WorkerConfig(
        String rootUrl,
        String clientId,
        String accessToken,
        String taskQueueId,
        String workerGroup,
        String workerId,
        int capacity,
        DockerRuntimeConfig docker,
        ResourceLimits limits,
        Path dataDir,
        long minFreeDiskBytes,
        String instanceType,
        String publicIp,
        Integer metricsPort,
        String metricsBindHost,
        dev.berth.worker.caches.CacheSettings caches,
        Path privateKeyFile,
        CapabilityConfig capabilities,
        FeatureConfig features) {

    public static final String DEFAULT_TASK_QUEUE = "local/docker";
    public static final String DEFAULT_WORKER_GROUP = "local";
    public static final long DEFAULT_MEMORY = 2L << 30;
    public static final long DEFAULT_PIDS = 1024;
    public static final long DEFAULT_MIN_FREE_DISK = 1L << 30;
    /** The worker's metrics port listens only locally unless told otherwise: it is for a scraper, not the world. */
    public static final String DEFAULT_METRICS_BIND_HOST = "127.0.0.1";

    /** What Taskcluster allows for workerGroup and workerId (and for each half of a task queue id). */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z0-9_-]{1,38}");

    public WorkerConfig {
        Objects.requireNonNull(docker, "docker");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(dataDir, "dataDir");
        checkTaskQueueId(taskQueueId);
        checkIdentifier("workerGroup", workerGroup);
        checkIdentifier("workerId", workerId);
        if (capacity < 1) throw BerthException.input("capacity must be at least 1; got " + capacity);
        if (minFreeDiskBytes < 0) throw BerthException.input("minFreeDisk must not be negative");
        if (rootUrl != null && rootUrl.endsWith("/")) rootUrl = rootUrl.substring(0, rootUrl.length() - 1);
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw BerthException.input("metricsPort (BERTH_WORKER_METRICS_PORT) must be between 0 and 65535; got " + metricsPort);
        }
        if (metricsBindHost == null || metricsBindHost.isBlank()) metricsBindHost = DEFAULT_METRICS_BIND_HOST;
        if (caches == null) caches = dev.berth.worker.caches.CacheSettings.DEFAULT;
        if (privateKeyFile == null) privateKeyFile = dataDir.resolve(WorkerKey.DEFAULT_FILE);
        if (capabilities == null) capabilities = CapabilityConfig.NONE;
        if (features == null) features = FeatureConfig.DEFAULT;
    }

    /** With the features' defaults. */
    public WorkerConfig(String rootUrl, String clientId, String accessToken, String taskQueueId, String workerGroup,
                        String workerId, int capacity, DockerRuntimeConfig docker, ResourceLimits limits, Path dataDir,
                        long minFreeDiskBytes, String instanceType, String publicIp, Integer metricsPort, String metricsBindHost,
                        dev.berth.worker.caches.CacheSettings caches, Path privateKeyFile, CapabilityConfig capabilities) {
        this(rootUrl, clientId, accessToken, taskQueueId, workerGroup, workerId, capacity, docker, limits, dataDir,
                minFreeDiskBytes, instanceType, publicIp, metricsPort, metricsBindHost, caches, privateKeyFile, capabilities, null);
    }

    /** Without cache settings (their defaults), a key file of its own (generated in the data dir) or capabilities. */
    public WorkerConfig(String rootUrl, String clientId, String accessToken, String taskQueueId, String workerGroup,
                        String workerId, int capacity, DockerRuntimeConfig docker, ResourceLimits limits, Path dataDir,
                        long minFreeDiskBytes, String instanceType, String publicIp, Integer metricsPort, String metricsBindHost) {
        this(rootUrl, clientId, accessToken, taskQueueId, workerGroup, workerId, capacity, docker, limits, dataDir,
                minFreeDiskBytes, instanceType, publicIp, metricsPort, metricsBindHost, null, null, null);
    }

    /** Without a metrics port (no /metrics endpoint). */
    public WorkerConfig(String rootUrl, String clientId, String accessToken, String taskQueueId, String workerGroup,
                        String workerId, int capacity, DockerRuntimeConfig docker, ResourceLimits limits, Path dataDir,
                        long minFreeDiskBytes, String instanceType, String publicIp) {
        this(rootUrl, clientId, accessToken, taskQueueId, workerGroup, workerId, capacity, docker, limits, dataDir,
                minFreeDiskBytes, instanceType, publicIp, null, null);
    }

    /** Reads {@code configFile} (may be null: no file) and applies {@code env} over it. */
    public static WorkerConfig load(Path configFile, Map<String, String> env) {
        JsonNode file = readFile(configFile);
        Source s = new Source(env, file);

        String rootUrl = s.pick("rootUrl", "BERTH_ROOT_URL", "TASKCLUSTER_ROOT_URL");
        String clientId = s.pick("credentials.clientId", "TASKCLUSTER_CLIENT_ID");
        String accessToken = s.pick("credentials.accessToken", "TASKCLUSTER_ACCESS_TOKEN");
        String taskQueueId = s.pickOr("taskQueueId", DEFAULT_TASK_QUEUE, "BERTH_TASK_QUEUE");
        String workerGroup = s.pickOr("workerGroup", DEFAULT_WORKER_GROUP, "BERTH_WORKER_GROUP");
        String workerId = s.pick("workerId", "BERTH_WORKER_ID");
        if (workerId == null) workerId = sanitiseWorkerId(localHostName());
        int capacity = parseInt(s.pickOr("capacity", "1", "BERTH_WORKER_CAPACITY"), "capacity (BERTH_WORKER_CAPACITY)");

        String dockerHost = s.pickOr("docker.host", DockerRuntimeConfig.DEFAULT_HOST, "BERTH_DOCKER_HOST");
        boolean tlsVerify = parseBoolean(s.pickOr("docker.tlsVerify", "false", "BERTH_DOCKER_TLS_VERIFY"),
                "docker.tlsVerify (BERTH_DOCKER_TLS_VERIFY)");
        String certPath = s.pick("docker.certPath", "BERTH_DOCKER_CERT_PATH");
        DockerRuntimeConfig docker;
        try {
            docker = new DockerRuntimeConfig(dockerHost, tlsVerify, certPath == null ? null : Path.of(certPath),
                    registries(file), null);
        } catch (IllegalArgumentException e) {
            throw BerthException.input("docker settings (BERTH_DOCKER_HOST, BERTH_DOCKER_TLS_VERIFY, BERTH_DOCKER_CERT_PATH): "
                    + e.getMessage());
        }

        long memory = parseBytes(s.pickOr("limits.memory", String.valueOf(DEFAULT_MEMORY), "BERTH_WORKER_MEMORY"),
                "limits.memory (BERTH_WORKER_MEMORY)");
        if (memory < (6L << 20)) throw BerthException.input("limits.memory (BERTH_WORKER_MEMORY) must be at least 6m (Docker's minimum)");
        long nanoCpus = parseCpus(s.pickOr("limits.cpus", "0", "BERTH_WORKER_CPUS"));
        long pids = parseInt(s.pickOr("limits.pids", String.valueOf(DEFAULT_PIDS), "BERTH_WORKER_PIDS"), "limits.pids (BERTH_WORKER_PIDS)");
        if (pids < 1) throw BerthException.input("limits.pids (BERTH_WORKER_PIDS) must be at least 1");

        Path dataDir = Path.of(s.pickOr("dataDir", ".berth/worker", "BERTH_DATA_DIR")).toAbsolutePath().normalize();
        long minFreeDisk = parseBytes(s.pickOr("minFreeDisk", String.valueOf(DEFAULT_MIN_FREE_DISK), "BERTH_WORKER_MIN_FREE_DISK"),
                "minFreeDisk (BERTH_WORKER_MIN_FREE_DISK)");

        String metricsPort = s.pick("metricsPort", "BERTH_WORKER_METRICS_PORT");

        return new WorkerConfig(rootUrl, clientId, accessToken, taskQueueId, workerGroup, workerId, capacity, docker,
                new ResourceLimits(memory, nanoCpus, pids), dataDir, minFreeDisk,
                s.pick("instanceType", "BERTH_INSTANCE_TYPE"), s.pick("publicIp", "BERTH_PUBLIC_IP"),
                metricsPort == null ? null : parseInt(metricsPort, "metricsPort (BERTH_WORKER_METRICS_PORT)"),
                s.pick("metricsBindHost", "BERTH_WORKER_METRICS_BIND"), cacheSettings(s),
                Optional.ofNullable(s.pick("secrets.privateKeyFile", "BERTH_WORKER_PRIVATE_KEY"))
                        .map(p -> Path.of(p).toAbsolutePath().normalize()).orElse(null),
                CapabilityConfigReader.read(file == null ? null : file.get("capabilities"), env),
                FeatureConfig.read(file == null ? null : file.get("features"), featuresSwitchedOff(env)));
    }

    private static java.util.Set<String> featuresSwitchedOff(Map<String, String> env) {
        String off = env.get("BERTH_WORKER_FEATURES_OFF");
        if (off == null || off.isBlank()) return java.util.Set.of();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (String key : off.split(",")) if (!key.isBlank()) keys.add(key.strip());
        return keys;
    }

    /**
     * Values of this config that are secret, masked in every task log like decrypted
     * {@code encryptedEnv} values: the worker's access token and its registry passwords.
     */
    public List<String> secretValues() {
        List<String> out = new ArrayList<>();
        if (accessToken != null) out.add(accessToken);
        docker.registries().forEach(r -> out.add(r.password()));
        return out;
    }

    private static dev.berth.worker.caches.CacheSettings cacheSettings(Source s) {
        String dir = s.pick("caches.dir", "BERTH_WORKER_CACHE_DIR");
        String idle = s.pickOr("caches.imageIdle", "1h", "BERTH_WORKER_IMAGE_IDLE");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([smhd]?)").matcher(idle.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw BerthException.input("caches.imageIdle (BERTH_WORKER_IMAGE_IDLE) must be a whole number with s, m, h or d; got '"
                    + idle + "'");
        }
        long n = Long.parseLong(m.group(1));
        java.time.Duration imageIdle = switch (m.group(2)) {
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            case "d" -> java.time.Duration.ofDays(n);
            default -> java.time.Duration.ofSeconds(n);
        };
        return new dev.berth.worker.caches.CacheSettings(dir == null ? null : Path.of(dir), imageIdle);
    }

    public String provisionerId() {
        return taskQueueId.substring(0, taskQueueId.indexOf('/'));
    }

    public String workerType() {
        return taskQueueId.substring(taskQueueId.indexOf('/') + 1);
    }

    /** What each task runner is told about this worker. */
    public WorkerSettings workerSettings() {
        return new WorkerSettings(workerId, workerGroup, workerType(), rootUrl, instanceType, publicIp, limits);
    }

    /** Fails, naming the missing setting, unless the queue can be reached: root URL and credentials. */
    public void requireQueueAccess() {
        if (rootUrl == null || rootUrl.isBlank()) {
            throw BerthException.input("rootUrl is not set (BERTH_ROOT_URL or TASKCLUSTER_ROOT_URL, or rootUrl in the config file)");
        }
        if (clientId == null || accessToken == null) {
            throw BerthException.input("worker credentials are not set (TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN, "
                    + "or credentials.clientId and credentials.accessToken in the config file)");
        }
    }

    public WorkerConfig withCapacity(int newCapacity) {
        return new WorkerConfig(rootUrl, clientId, accessToken, taskQueueId, workerGroup, workerId, newCapacity, docker,
                limits, dataDir, minFreeDiskBytes, instanceType, publicIp, metricsPort, metricsBindHost, caches, privateKeyFile,
                capabilities, features);
    }

    @Override
    public String toString() {
        // the access token and registry passwords never reach a log line
        return "WorkerConfig[rootUrl=" + rootUrl + ", clientId=" + clientId + ", taskQueueId=" + taskQueueId
                + ", worker=" + workerGroup + "/" + workerId + ", capacity=" + capacity + ", docker=" + docker.dockerHost()
                + ", limits=" + limits + ", dataDir=" + dataDir + ", minFreeDisk=" + minFreeDiskBytes
                + (metricsPort == null ? "" : ", metrics=" + metricsBindHost + ":" + metricsPort)
                + ", privateKeyFile=" + privateKeyFile + ", capabilities=[" + capabilities + "], features="
                + (features.named().isEmpty() ? "defaults" : features.named()) + (features.switchedOff().isEmpty() ? ""
                : ", off=" + features.switchedOff()) + "]";
    }

    /**
     * A worker id from a host name: characters Taskcluster does not allow become {@code -}, and it is
     * cut to 38 characters (the first label of a long FQDN is usually what identifies the machine).
     */
    static String sanitiseWorkerId(String hostName) {
        String name = hostName == null ? "" : hostName.trim();
        int dot = name.indexOf('.');
        if (dot > 0) name = name.substring(0, dot);
        name = name.replaceAll("[^a-zA-Z0-9_-]", "-");
        if (name.length() > 38) name = name.substring(0, 38);
        return name.isEmpty() ? "worker" : name;
    }

    private static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "worker";
        }
    }

    private static void checkTaskQueueId(String id) {
        if (id == null) throw BerthException.input("taskQueueId must be set");
        int slash = id.indexOf('/');
        if (slash < 0 || !IDENTIFIER.matcher(id.substring(0, slash)).matches()
                || !IDENTIFIER.matcher(id.substring(slash + 1)).matches()) {
            throw BerthException.input("taskQueueId (BERTH_TASK_QUEUE) must look like <provisionerId>/<workerType>, "
                    + "each 1-38 of [a-zA-Z0-9_-]; got '" + id + "'");
        }
    }

    private static void checkIdentifier(String name, String value) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw BerthException.input(name + " must be 1-38 of [a-zA-Z0-9_-]; got '" + value + "'");
        }
    }

    private static JsonNode readFile(Path configFile) {
        if (configFile == null) return null;
        if (!Files.isRegularFile(configFile)) throw BerthException.input("config file " + configFile + " does not exist");
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(configFile.toFile());
            if (tree != null && !tree.isNull() && !tree.isMissingNode() && !tree.isObject()) {
                throw BerthException.input("config file " + configFile + " must hold a YAML mapping");
            }
            return tree == null || !tree.isObject() ? null : tree;
        } catch (IOException e) {
            throw BerthException.input("config file " + configFile + " is not valid YAML: " + e.getMessage());
        }
    }

    private static List<RegistryCredentials> registries(JsonNode file) {
        List<RegistryCredentials> out = new ArrayList<>();
        JsonNode registries = file == null ? null : file.get("registries");
        if (registries == null || registries.isNull()) return out;
        if (!registries.isObject()) throw BerthException.input("registries must map a registry host to {username, password}");
        for (Iterator<Map.Entry<String, JsonNode>> it = registries.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode user = e.getValue().get("username");
            JsonNode password = e.getValue().get("password");
            if (user == null || !user.isValueNode() || password == null || !password.isValueNode()) {
                throw BerthException.input("registries." + e.getKey() + " needs a username and a password");
            }
            out.add(new RegistryCredentials(e.getKey(), user.asText(), password.asText()));
        }
        return out;
    }

    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    /** {@code 512m}, {@code 2g}, {@code 2GiB}, {@code 1048576}: binary units, as Docker reads them. */
    static long parseBytes(String text, String setting) {
        Matcher m = BYTES.matcher(text.trim());
        if (!m.matches()) {
            throw BerthException.input(setting + " must be a size such as 512m or 2g; got '" + text + "'");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return n << shift;
        } catch (NumberFormatException e) {
            throw BerthException.input(setting + " is too large; got '" + text + "'");
        }
    }

    private static long parseCpus(String text) {
        try {
            BigDecimal cpus = new BigDecimal(text.trim());
            if (cpus.signum() < 0 || cpus.compareTo(BigDecimal.valueOf(1024)) > 0) throw new NumberFormatException();
            return cpus.movePointRight(9).longValue();
        } catch (NumberFormatException e) {
            throw BerthException.input("limits.cpus (BERTH_WORKER_CPUS) must be a number of CPUs such as 1.5 (0 = no limit); got '" + text + "'");
        }
    }

    private static int parseInt(String s, String setting) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw BerthException.input(setting + " must be a whole number; got '" + s + "'");
        }
    }

    private static boolean parseBoolean(String s, String setting) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw BerthException.input(setting + " must be true or false; got '" + s + "'");
        };
    }

    /** The environment over the file; file keys may be dotted paths into nested mappings. */
    private record Source(Map<String, String> env, JsonNode file) {

        String pick(String fileKey, String... envNames) {
            for (String name : envNames) {
                String v = env.get(name);
                if (v != null && !v.isBlank()) return v.trim();
            }
            JsonNode node = file;
            for (String part : fileKey.split("\\.")) {
                if (node == null) break;
                node = node.get(part);
            }
            if (node == null || node.isNull()) return null;
            if (!node.isValueNode()) throw BerthException.input(fileKey + " in the config file must be a single value");
            return node.asText();
        }

        String pickOr(String fileKey, String fallback, String... envNames) {
            String v = pick(fileKey, envNames);
            return v == null ? fallback : v;
        }
    }
}
