package dev.berth.app.provisioner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.dockerworker.WorkerScopes;
import dev.berth.core.json.Json;
import dev.berth.core.pools.DockerPoolConfig;
import dev.berth.core.pools.DockerPoolConfig.DockerHost;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolWorker;
import dev.berth.core.pools.WorkerPool;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.pools.WorkerState;
import dev.berth.core.store.Page;
import dev.berth.worker.runtime.ImageReference;
import dev.berth.worker.runtime.docker.DockerClients;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and removes the worker containers of the {@code docker} worker pools. Each round, while it holds the
 * lease: every pool's containers (found by label, so a restarted provisioner or a new leader knows them) are
 * matched with the pool's workers, exited ones are removed and their workers stopped, and new workers are started
 * while tasks wait (never above maxCapacity, minCapacity kept warm), spread over the pool's hosts. A worker whose
 * container ends before it ever claimed is an error on the pool, which then pauses (doubling, capped).
 */
public final class Provisioner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Provisioner.class);

    public static final String LABEL_POOL = "berth.pool";
    public static final String LABEL_WORKER = "berth.pool.worker";
    public static final String LABEL_PROVISIONER = "berth.provisioner";
    /** Where a pool worker finds its host's engine when that engine is a unix socket. */
    static final String SOCKET_IN_CONTAINER = "/var/run/docker.sock";
    static final String CERTS_IN_CONTAINER = "/etc/berth/docker-tls";
    /** The command that runs Berth's worker image's worker directly (not under runit, which would restart it). */
    static final List<String> WORKER_ENTRYPOINT = List.of("/usr/bin/tini", "--", "/usr/local/bin/berth", "worker");
    private static final int LOG_LINES = 30;

    private final WorkerPoolService pools;
    private final ToLongFunction<String> pendingCount;
    private final BerthClient api;
    private final Lease lease;
    private final ProvisionerSettings settings;
    private final Clock clock;
    private final Map<String, DockerClient> engines = new ConcurrentHashMap<>();
    private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<String, Long> lastPending = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicInteger imagesBuilt = new AtomicInteger();
    private final AtomicInteger containersStarted = new AtomicInteger();
    private final AtomicInteger imagesPulled = new AtomicInteger();
    private ScheduledExecutorService timer;
    private volatile boolean leader;

    /** A pool's pause after failed starts. */
    private record Backoff(int failures, Instant until) {}

    /**
     * @param pools the pools and their workers (the server's database)
     * @param pendingCount pending tasks of a task queue
     * @param api the server, as a client allowed to create the workers' clients ({@code auth:create-client:worker-pool/*}
     *            and the scopes given to them) and to read workers ({@code queue:get-worker:*})
     */
    public Provisioner(WorkerPoolService pools, ToLongFunction<String> pendingCount, BerthClient api, Lease lease,
                       ProvisionerSettings settings, Clock clock) {
        this.pools = pools;
        this.pendingCount = pendingCount;
        this.api = api;
        this.lease = lease;
        this.settings = settings;
        this.clock = clock;
    }

    /** Runs a round every interval on a thread of its own until {@link #close()}. */
    public synchronized Provisioner start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-provisioner");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::roundQuietly, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void roundQuietly() {
        try {
            round();
        } catch (RuntimeException e) {
            warnOnce("round", "a provisioning round failed; trying again next round: " + e);
        }
    }

    /** One round: take or renew the lease, then look after every pool. */
    public void round() {
        boolean lead = lease.acquire(settings.leaseTtl());
        if (lead != leader) log.info("provisioner {} {} the lease", settings.name(), lead ? "holds" : "does not hold");
        leader = lead;
        if (!lead) return;
        Map<String, List<Container>> listed = new HashMap<>(); // each engine is listed once a round, not once a pool
        String token = null;
        do {
            Page<WorkerPool> page = pools.pools(token, WorkerPoolService.MAX_PAGE);
            for (WorkerPool pool : page.items()) {
                try {
                    provision(pool, listed);
                } catch (RuntimeException e) {
                    warnOnce("pool " + pool.workerPoolId(), "provisioning pool " + pool.workerPoolId() + " failed: " + e);
                }
            }
            token = page.continuationToken();
        } while (token != null);
    }

    public boolean isLeader() { return leader; }

    /** Images built from a pool's dockerfile so far. */
    public int imagesBuilt() { return imagesBuilt.get(); }

    /** Worker images pulled so far (pullPolicy always, or if-not-present with the image missing). */
    public int imagesPulled() { return imagesPulled.get(); }

    /** Worker containers started so far. */
    public int containersStarted() { return containersStarted.get(); }

    // ---- one pool

    private void provision(WorkerPool pool, Map<String, List<Container>> listed) {
        String poolId = pool.workerPoolId();
        DockerPoolConfig config = pool.deleting() ? null : pools.dockerConfig(pool);
        List<DockerHost> hosts = config != null ? config.dockerHosts() : hostsOfWorkers(poolId);
        Map<String, Found> containers = new HashMap<>();
        Map<String, Integer> perHost = new LinkedHashMap<>();
        for (DockerHost h : hosts) {
            perHost.put(h.host(), 0);
            List<Container> all = listed.computeIfAbsent(h.host() + "|" + h.certPath(),
                    k -> engine(h).listContainersCmd().withShowAll(true).withLabelFilter(List.of(LABEL_POOL)).exec());
            for (Container c : all) {
                String key = c.getLabels().get(LABEL_WORKER);
                if (key != null && poolId.equals(c.getLabels().get(LABEL_POOL))) containers.put(key, new Found(h, c));
            }
        }
        Instant now = clock.instant();
        // the pool's workers against its containers
        for (WorkerState state : List.of(WorkerState.REQUESTED, WorkerState.RUNNING, WorkerState.STOPPING)) {
            for (PoolWorker w : all(poolId, state)) {
                Found found = containers.remove(key(w));
                if (found == null) {
                    // no container: lost (the engine removed it, or a provisioner died between asking and starting)
                    if (w.state() != WorkerState.REQUESTED || w.lastModified().plus(settings.startGrace()).isBefore(now)) {
                        stopped(w, "its container is gone");
                    }
                    continue;
                }
                boolean running = "running".equals(found.container.getState());
                boolean created = "created".equals(found.container.getState());
                if (!running && !created) {
                    exited(pool, w, found);
                } else if (created && w.lastModified().plus(settings.startGrace()).isBefore(now)) {
                    // created but never started (a provisioner stopped between the two): it never will be
                    removeContainer(found);
                    stopped(w, "its container was created but never started");
                } else if (w.state() == WorkerState.STOPPING || config == null) {
                    stopContainer(found);
                } else {
                    perHost.merge(found.host.host(), 1, Integer::sum);
                    if (running && w.state() == WorkerState.REQUESTED) {
                        pools.moveWorker(poolId, w.workerGroup(), w.workerId(), WorkerState.RUNNING, null);
                    }
                    renewCredentials(w, now);
                }
            }
        }
        // containers of a worker this database knows but no longer counts live (stopped): they go. A worker it does
        // not know at all belongs to another deployment sharing the engine (a pool of the same id there): left alone.
        for (Map.Entry<String, Found> orphan : containers.entrySet()) {
            String[] groupAndId = orphan.getKey().split("/", 2);
            if (groupAndId.length != 2 || pools.findWorker(poolId, groupAndId[0], groupAndId[1]).isEmpty()) {
                log.debug("container {} of pool {} belongs to a worker this database does not know; left alone",
                        orphan.getValue().container.getId(), poolId);
                continue;
            }
            log.info("removing container {} of pool {}: it belongs to no live worker", orphan.getValue().container.getId(), poolId);
            removeContainer(orphan.getValue());
        }
        if (config == null) return;
        Backoff b = backoffs.get(poolId);
        if (b != null && now.isBefore(b.until())) return;
        PoolCounts counts = pools.countsOf(pool);
        long pending = pendingCount.applyAsLong(poolId);
        Long before = lastPending.put(poolId, pending);
        int toStart = workersToStart(config, counts, pending, before == null ? pending : before);
        for (int i = 0; i < toStart; i++) {
            DockerHost host = leastUsed(hosts, perHost);
            if (!startWorker(pool, config, host)) break;
            perHost.merge(host.host(), 1, Integer::sum);
        }
    }

    /**
     * How many workers to start: enough for the tasks no starting worker will take (idle running ones take theirs
     * at once, so the queue shows none for them) and for minCapacity, never past maxCapacity.
     */
    static int workersToStart(DockerPoolConfig config, PoolCounts counts, long pending, long pendingLastRound) {
        int live = counts.currentCapacity();
        int per = config.capacityPerWorker();
        // with workers running, a task just created is about to be claimed by an idle one: only tasks still
        // waiting a round later count (an empty pool starts at once)
        long waiting = counts.runningCount() > 0 ? Math.min(pending, pendingLastRound) : pending;
        long unserved = Math.max(0, waiting - counts.requestedCapacity());
        long wanted = Math.max(config.minCapacity() - live, unserved);
        return (int) Math.max(0, Math.min((config.maxCapacity() - live) / per, (wanted + per - 1) / per));
    }

    private record Found(DockerHost host, Container container) {}

    private static String key(PoolWorker w) { return w.workerGroup() + "/" + w.workerId(); }

    private List<PoolWorker> all(String poolId, WorkerState state) {
        List<PoolWorker> out = new ArrayList<>();
        String token = null;
        do {
            Page<PoolWorker> page = pools.workers(poolId, null, state, token, WorkerPoolService.MAX_PAGE);
            out.addAll(page.items());
            token = page.continuationToken();
        } while (token != null);
        return out;
    }

    /** A pool being deleted has no config to read hosts from: the hosts its workers were started on. */
    private List<DockerHost> hostsOfWorkers(String poolId) {
        Map<String, DockerHost> hosts = new LinkedHashMap<>();
        for (WorkerState state : List.of(WorkerState.REQUESTED, WorkerState.RUNNING, WorkerState.STOPPING)) {
            for (PoolWorker w : all(poolId, state)) {
                JsonNode h = w.providerData().path("dockerHost");
                if (h.isObject()) {
                    DockerHost host = new DockerHost(h.path("host").asText(), h.path("tlsVerify").asBoolean(),
                            h.hasNonNull("certPath") ? h.get("certPath").asText() : null, null);
                    hosts.put(host.host(), host);
                }
            }
        }
        return new ArrayList<>(hosts.values());
    }

    private static DockerHost leastUsed(List<DockerHost> hosts, Map<String, Integer> perHost) {
        DockerHost best = hosts.get(0);
        for (DockerHost h : hosts) if (perHost.getOrDefault(h.host(), 0) < perHost.getOrDefault(best.host(), 0)) best = h;
        return best;
    }

    // ---- a worker's end

    private void exited(WorkerPool pool, PoolWorker w, Found found) {
        String poolId = pool.workerPoolId();
        long exitCode = -1;
        try {
            InspectContainerResponse i = engine(found.host).inspectContainerCmd(found.container.getId()).exec();
            Long code = i.getState().getExitCodeLong();
            exitCode = code == null ? -1 : code;
        } catch (NotFoundException gone) {
            // removed meanwhile: nothing to read
        }
        if (exitCode != 0 && !hasClaimed(w)) {
            String logs = lastLogLines(found);
            failed(pool, "worker-exited", "worker exited before claiming (exit code " + exitCode + ")",
                    "worker " + key(w) + " (container " + found.container.getId().substring(0, 12) + ") exited with code " + exitCode
                            + " before it claimed any work. Its last log lines:\n" + logs,
                    w);
        } else {
            if (exitCode != 0) log.warn("worker {} of pool {} ended with exit code {}; another starts if work waits", key(w), poolId, exitCode);
            else log.info("worker {} of pool {} exited (idle)", key(w), poolId);
            backoffs.remove(poolId);
        }
        removeContainer(found);
        stopped(w, "its container exited with code " + exitCode);
    }

    private boolean hasClaimed(PoolWorker w) {
        String provisionerId = w.workerPoolId().substring(0, w.workerPoolId().indexOf('/'));
        String workerType = w.workerPoolId().substring(w.workerPoolId().indexOf('/') + 1);
        try {
            api.get("queue", "/provisioners/" + provisionerId + "/worker-types/" + workerType + "/workers/" + w.workerGroup() + "/" + w.workerId());
            return true;
        } catch (BerthApiException e) {
            if (e.statusCode() == 404) return false;
            throw e;
        }
    }

    private void stopped(PoolWorker w, String why) {
        log.info("worker {} of pool {} stopped: {}", key(w), w.workerPoolId(), why);
        deleteClient(w);
        pools.moveWorker(w.workerPoolId(), w.workerGroup(), w.workerId(), WorkerState.STOPPED, null);
    }

    /** Reports the error on the pool and pauses it, longer after each failure in a row. */
    private void failed(WorkerPool pool, String kind, String title, String description, PoolWorker w) {
        String poolId = pool.workerPoolId();
        Backoff prev = backoffs.get(poolId);
        int failures = prev == null ? 1 : prev.failures() + 1;
        long pauseMillis = Math.min(settings.maxBackoff().toMillis(),
                settings.backoff().toMillis() << Math.min(20, failures - 1));
        backoffs.put(poolId, new Backoff(failures, clock.instant().plusMillis(pauseMillis)));
        String desc = description.length() > 10000 ? description.substring(description.length() - 10000) : description;
        ObjectNode extra = Json.MAPPER.createObjectNode().put("failuresInARow", failures).put("pausedForMs", pauseMillis);
        if (w != null) extra.put("workerGroup", w.workerGroup()).put("workerId", w.workerId());
        log.warn("pool {}: {} (failure {} in a row: no new worker for {} ms)", poolId, title, failures, pauseMillis);
        pools.reportError(poolId, kind, title.length() > 128 ? title.substring(0, 128) : title, desc, extra);
    }

    private String lastLogLines(Found found) {
        StringBuilder out = new StringBuilder();
        try {
            engine(found.host).logContainerCmd(found.container.getId()).withStdOut(true).withStdErr(true).withTail(LOG_LINES)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            out.append("(its log could not be read: ").append(e.getMessage()).append(')');
        }
        return out.toString();
    }

    private void stopContainer(Found found) {
        try {
            engine(found.host).stopContainerCmd(found.container.getId()).withTimeout(30).exec();
        } catch (RuntimeException e) {
            log.debug("stopping {}: {}", found.container.getId(), e.toString());
        }
    }

    private void removeContainer(Found found) {
        try {
            engine(found.host).removeContainerCmd(found.container.getId()).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException gone) {
            // already gone
        }
    }

    // ---- a worker's start

    /** Starts one worker; false when the pool cannot take one now (full, image missing, the start failed). */
    private boolean startWorker(WorkerPool pool, DockerPoolConfig config, DockerHost host) {
        String poolId = pool.workerPoolId();
        DockerClient docker = engine(host);
        String image = config.imageName();
        String problem = ensureImage(docker, host, config, image);
        if (problem != null) {
            failed(pool, "image-unavailable", "worker image " + image + " is not on " + host.host(), problem, null);
            return false;
        }
        String workerId = "w" + Slugid.nice().toLowerCase().replaceAll("[^a-z0-9]", "").substring(0, 16);
        Duration life = settings.credentialLifetime();
        var requested = pools.requestWorker(poolId, settings.workerGroup(), workerId, life);
        if (requested.isEmpty()) return false; // full, or another provisioner took the last place
        PoolWorker w = requested.get();
        String containerId = null;
        try {
            Instant credsExpire = clock.instant().plus(life).truncatedTo(ChronoUnit.MILLIS);
            String accessToken = createClient(w, credsExpire);
            CreateContainerCmd create = docker.createContainerCmd(image)
                    .withName("berth-pool-" + workerId)
                    .withLabels(Map.of(LABEL_POOL, poolId, LABEL_WORKER, key(w), LABEL_PROVISIONER, settings.name()))
                    .withEnv(env(pool, config, host, w, accessToken))
                    .withHostConfig(hostConfig(config, host));
            if (config.command() != null && !config.command().isEmpty()) {
                create.withEntrypoint(config.command()).withCmd(List.of());
            } else {
                // the image's health check asks runit, which does not run here: the worker's own exit says it all
                create.withEntrypoint(WORKER_ENTRYPOINT)
                        .withHealthcheck(new com.github.dockerjava.api.model.HealthCheck().withTest(List.of("NONE")));
            }
            if (config.hostname() != null) create.withHostName(config.hostname());
            containerId = create.exec().getId();
            ObjectNode data = Json.MAPPER.createObjectNode();
            data.putObject("dockerHost").put("host", host.host()).put("tlsVerify", host.tlsVerify()).put("certPath", host.certPath());
            data.put("containerId", containerId).put("credentialsExpire", Json.format(credsExpire));
            pools.moveWorker(poolId, w.workerGroup(), w.workerId(), WorkerState.REQUESTED, data);
            docker.startContainerCmd(containerId).exec();
            containersStarted.incrementAndGet();
            pools.moveWorker(poolId, w.workerGroup(), w.workerId(), WorkerState.RUNNING, null);
            log.info("started worker {} of pool {} on {} (container {})", key(w), poolId, host.host(), containerId.substring(0, 12));
            if (config.followStartupLogs()) followStartupLog(docker, containerId, key(w));
            return true;
        } catch (RuntimeException e) {
            if (containerId != null) {
                try {
                    docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
                } catch (RuntimeException ignored) {
                    // the next round removes what stays (it carries the pool's label)
                }
            }
            failed(pool, "worker-start-failed", "worker container could not start on " + host.host(),
                    "starting worker " + key(w) + " from image " + image + " failed: " + e.getMessage(), w);
            stopped(w, "its start failed");
            return false;
        } catch (IOException e) {
            failed(pool, "worker-start-failed", "worker container could not start", e.toString(), w);
            stopped(w, "its start failed");
            return false;
        }
    }

    /** Copies a new worker's first log lines (at most 50, for at most a minute) into this log, on a thread of their own. */
    private static void followStartupLog(DockerClient docker, String containerId, String worker) {
        Thread.ofVirtual().name("berth-provisioner-startup-log").start(() -> {
            AtomicInteger lines = new AtomicInteger();
            try (ResultCallback.Adapter<Frame> follow = docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true)
                    .withFollowStream(true).exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            String text = new String(frame.getPayload(), StandardCharsets.UTF_8).stripTrailing();
                            if (lines.incrementAndGet() <= 50) log.info("[{}] {}", worker, text);
                        }
                    })) {
                follow.awaitCompletion(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                log.debug("following the startup log of {}: {}", worker, e.toString());
            }
        });
    }

    /** Null when the image is there (built from the pool's dockerfile if need be), else why not. */
    private String ensureImage(DockerClient docker, DockerHost host, DockerPoolConfig config, String image) {
        boolean present;
        try {
            docker.inspectImageCmd(image).exec();
            present = true;
        } catch (NotFoundException e) {
            present = false;
        }
        if (present && config.pullPolicy() != DockerPoolConfig.PullPolicy.ALWAYS) return null;
        if (!present && config.buildsImage()) return build(docker, host, config.dockerfile(), image);
        if (config.pullPolicy() == DockerPoolConfig.PullPolicy.NEVER) {
            return "image " + image + " is missing on " + host.host() + " and the pool's pullPolicy is never";
        }
        try {
            // with the registry logins of this process's docker config (DOCKER_CONFIG or ~/.docker/config.json)
            if (!docker.pullImageCmd(withTag(image)).start().awaitCompletion(30, TimeUnit.MINUTES)) {
                return "pulling " + image + " took more than 30 minutes";
            }
            imagesPulled.incrementAndGet();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while pulling " + image;
        } catch (RuntimeException e) {
            if (present) {
                // pullPolicy always with the registry out of reach: the image at hand serves, and it is said
                warnOnce("pull " + image, "pulling " + image + " on " + host.host() + " failed (" + e.getMessage()
                        + "); starting the image already there");
                return null;
            }
            return "pulling " + image + " failed: " + e.getMessage();
        }
    }

    /** An image reference with its tag: pulling a repository without one would fetch all of its tags. */
    static String withTag(String image) {
        return ImageReference.parse(image).canonical();
    }

    private String build(DockerClient docker, DockerHost host, String dockerfile, String image) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("berth-pool-build");
            Files.writeString(dir.resolve("Dockerfile"), dockerfile);
            log.info("building worker image {} on {} from the pool's dockerfile", image, host.host());
            docker.buildImageCmd(dir.toFile()).withTags(Set.of(image)).withPull(false)
                    .exec(new com.github.dockerjava.api.command.BuildImageResultCallback()).awaitImageId(30, TimeUnit.MINUTES);
            imagesBuilt.incrementAndGet();
            return null;
        } catch (IOException | RuntimeException e) {
            return "building " + image + " from the pool's dockerfile failed: " + e.getMessage();
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("Dockerfile"));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory
                }
            }
        }
    }

    private List<String> env(WorkerPool pool, DockerPoolConfig config, DockerHost host, PoolWorker w, String accessToken) {
        Map<String, String> env = new LinkedHashMap<>(WorkerConfigEnv.of(config.workerConfig(), this::warnOnce));
        env.put("BERTH_ROOT_URL", settings.workerRootUrl());
        env.put("TASKCLUSTER_ROOT_URL", settings.workerRootUrl());
        env.put("TASKCLUSTER_CLIENT_ID", clientId(w));
        env.put("TASKCLUSTER_ACCESS_TOKEN", accessToken);
        env.put("BERTH_TASK_QUEUE", pool.workerPoolId());
        env.put("BERTH_WORKER_GROUP", w.workerGroup());
        env.put("BERTH_WORKER_ID", w.workerId());
        env.put("BERTH_WORKER_CAPACITY", String.valueOf(config.capacityPerWorker()));
        env.put("BERTH_WORKER_IDLE_TIMEOUT", String.valueOf(config.idleTimeout().toSeconds()));
        if (host.host().startsWith("unix://")) {
            env.put("BERTH_DOCKER_HOST", "unix://" + SOCKET_IN_CONTAINER);
        } else {
            env.put("BERTH_DOCKER_HOST", host.host());
            if (host.tlsVerify()) {
                env.put("BERTH_DOCKER_TLS_VERIFY", "true");
                env.put("BERTH_DOCKER_CERT_PATH", CERTS_IN_CONTAINER);
            }
        }
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static HostConfig hostConfig(DockerPoolConfig config, DockerHost host) {
        List<Bind> binds = new ArrayList<>();
        if (host.host().startsWith("unix://")) {
            binds.add(Bind.parse(host.host().substring("unix://".length()) + ":" + SOCKET_IN_CONTAINER));
        } else if (host.tlsVerify() && host.certPath() != null) {
            binds.add(Bind.parse(host.certPath() + ":" + CERTS_IN_CONTAINER + ":ro"));
        }
        for (String v : config.volumes()) binds.add(Bind.parse(v));
        HostConfig hc = HostConfig.newHostConfig().withBinds(binds);
        DockerPoolConfig.HostConfig h = config.hostConfig();
        if (h.networkMode() != null) hc.withNetworkMode(h.networkMode());
        if (!h.dns().isEmpty()) hc.withDns(h.dns());
        if (!h.extraHosts().isEmpty()) hc.withExtraHosts(h.extraHosts().toArray(String[]::new));
        if (h.shmSize() != null) hc.withShmSize(h.shmSize());
        if (h.memory() != null) hc.withMemory(h.memory());
        if (h.cpus() != null) hc.withNanoCPUs((long) (h.cpus() * 1e9));
        if (!h.devices().isEmpty()) {
            hc.withDevices(h.devices().stream().map(d -> new Device("rwm", d, d)).toList());
        }
        return hc;
    }

    // ---- credentials: each worker is a client of its own, limited to its pool, expiring; renewed in place

    static String clientId(PoolWorker w) {
        return "worker-pool/" + w.workerPoolId() + "/" + w.workerGroup() + "/" + w.workerId();
    }

    private Map<String, Object> clientBody(PoolWorker w, Instant expires) {
        return clientBody(w, expires, settings.name());
    }

    /**
     * The worker's own client: exactly the scopes of a deployed worker of its pool (what {@code berth client
     * create-worker} gives), for this worker's id only, expiring (and deleted then) unless renewed.
     */
    static Map<String, Object> clientBody(PoolWorker w, Instant expires, String provisionerName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", "worker " + key(w) + " of pool " + w.workerPoolId() + ", started by provisioner " + provisionerName);
        body.put("expires", Json.format(expires));
        body.put("scopes", WorkerScopes.of(w.workerPoolId(), w.workerGroup(), w.workerId()));
        body.put("deleteOnExpiration", true);
        return body;
    }

    private String createClient(PoolWorker w, Instant expires) throws IOException {
        JsonNode answer;
        try {
            answer = api.auth().createClient(clientId(w), clientBody(w, expires));
        } catch (BerthApiException e) {
            if (e.statusCode() != 409) throw e;
            api.auth().deleteClient(clientId(w));
            answer = api.auth().createClient(clientId(w), clientBody(w, expires));
        }
        String token = answer.path("accessToken").asText(null);
        if (token == null) throw new IOException("the server gave no access token for " + clientId(w));
        return token;
    }

    /** At half their life a running worker's credentials (and its record) are given a new expiry: same token, no restart. */
    private void renewCredentials(PoolWorker w, Instant now) {
        JsonNode at = w.providerData().path("credentialsExpire");
        if (!at.isTextual()) return;
        Instant expires = Instant.parse(at.asText());
        Duration life = settings.credentialLifetime();
        if (now.isBefore(expires.minus(life.dividedBy(2)))) return;
        Instant next = now.plus(life).truncatedTo(ChronoUnit.MILLIS);
        api.auth().updateClient(clientId(w), clientBody(w, next));
        ObjectNode data = (ObjectNode) w.providerData();
        data.put("credentialsExpire", Json.format(next));
        pools.updateWorker(w.workerPoolId(), w.workerGroup(), w.workerId(), next, null);
        pools.moveWorker(w.workerPoolId(), w.workerGroup(), w.workerId(), w.state(), data);
        log.info("renewed the credentials of worker {} of pool {} until {}", key(w), w.workerPoolId(), next);
    }

    private void deleteClient(PoolWorker w) {
        try {
            api.auth().deleteClient(clientId(w));
        } catch (BerthApiException e) {
            if (e.statusCode() != 404) warnOnce("delete-client", "cannot delete the client of worker " + key(w) + ": " + e.getMessage());
        }
    }

    // ---- engines

    private DockerClient engine(DockerHost h) {
        return engines.computeIfAbsent(h.host() + "|" + h.certPath(), k -> DockerClients.open(new DockerRuntimeConfig(h.host(),
                h.tlsVerify(), h.certPath() == null ? null : Path.of(h.certPath()), List.of(), null)));
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) log.warn(message);
        else log.debug(message);
    }

    /** Stops the rounds and gives the lease up; the worker containers keep running (the next provisioner finds them). */
    @Override
    public synchronized void close() {
        if (timer != null) {
            // a round in flight is let finish: cut off, it could leave a container created but not recorded
            timer.shutdown();
            try {
                if (!timer.awaitTermination(60, TimeUnit.SECONDS)) timer.shutdownNow();
            } catch (InterruptedException e) {
                timer.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (leader) lease.release();
        } catch (RuntimeException e) {
            log.warn("could not give the provisioner lease up: {}", e.toString());
        }
        for (DockerClient c : engines.values()) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                log.debug("closing a docker client: {}", e.toString());
            }
        }
    }
}
