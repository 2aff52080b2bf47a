package dev.berth.worker;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.caches.ClientPurgeRequests;
import dev.berth.worker.caches.DiskCollector;
import dev.berth.worker.caches.ImageUsage;
import dev.berth.worker.caches.PurgeRequestSource;
import dev.berth.worker.queue.ClientWorkQueue;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.Retrying;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.scopes.ClientScopeExpander;
import dev.berth.worker.scopes.ScopeCheck;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a {@link Worker} is wired, for {@code berth worker}, {@code berth dev} and the tests
 * alike. By default everything comes from the {@link WorkerConfig}: the queue at its root URL with
 * its credentials, and the Docker engine it names (both owned and closed by the worker). Tests
 * replace parts: a queue or engine of their own (left for them to close), shorter
 * {@link Worker.Timing}, a free-disk probe, a clock.
 *
 * <pre>{@code
 * Worker worker = Worker.builder(config).build();
 * worker.start();
 * }</pre>
 */
public final class WorkerBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerBuilder.class);

    private final WorkerConfig config;
    private WorkQueue queue;
    private ContainerRuntime runtime;
    private Worker.Timing timing = Worker.Timing.DEFAULT;
    private LongSupplier freeDisk;
    private Clock clock = Clock.systemUTC();
    private Retrying.Sleeper sleeper = Retrying.Sleeper.REAL;
    private MeterRegistry meterRegistry;
    private ScopeCheck.Expander scopeExpander;
    private PurgeRequestSource purgeRequests;
    private dev.berth.worker.images.ImageArtifacts imageArtifacts;
    private java.util.function.Predicate<java.nio.file.Path> hostHas;
    private Duration idleTimeout;
    private Runnable onIdle;

    WorkerBuilder(WorkerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * The worker stops claiming and calls {@code onIdle} once it has run nothing for {@code idleTimeout}
     * ({@link Duration#ZERO}: after its first task): a pool's worker then exits and its container goes.
     */
    public WorkerBuilder idleExit(Duration idleTimeout, Runnable onIdle) {
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        this.onIdle = Objects.requireNonNull(onIdle, "onIdle");
        return this;
    }

    /** Claims from {@code queue}, which stays the caller's; otherwise the queue at the config's root URL. */
    public WorkerBuilder queue(WorkQueue queue) {
        this.queue = queue;
        return this;
    }

    /** Runs containers on {@code runtime}, which stays the caller's; otherwise the config's Docker engine. */
    public WorkerBuilder runtime(ContainerRuntime runtime) {
        this.runtime = runtime;
        return this;
    }

    public WorkerBuilder timing(Worker.Timing timing) {
        this.timing = Objects.requireNonNull(timing, "timing");
        return this;
    }

    /** Where free disk is read (bytes); otherwise the file store under the config's data directory. */
    public WorkerBuilder freeDisk(LongSupplier freeDisk) {
        this.freeDisk = freeDisk;
        return this;
    }

    /** The clock claims and retry deadlines are measured with. */
    public WorkerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** How retries of calls about a run wait (tests move a clock instead). */
    public WorkerBuilder sleeper(Retrying.Sleeper sleeper) {
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        return this;
    }

    /**
     * Counts into {@code registry}, which the caller exports ({@code berth dev}: the server's
     * {@code /metrics}); the worker then opens no metrics port of its own. Otherwise the worker keeps
     * its own registry, served at {@code /metrics} on the config's {@code metricsPort} when one is set.
     */
    public WorkerBuilder meterRegistry(MeterRegistry registry) {
        this.meterRegistry = registry;
        return this;
    }

    /**
     * How tasks' scopes are expanded through roles for the docker-worker scope check; otherwise the
     * server's expandScopes when the queue is the config's, else the scopes as given.
     */
    public WorkerBuilder scopeExpander(ScopeCheck.Expander expander) {
        this.scopeExpander = expander;
        return this;
    }

    /** Where purge-cache requests come from; otherwise the server's purge-cache service when the queue is the config's. */
    public WorkerBuilder purgeRequests(PurgeRequestSource source) {
        this.purgeRequests = source;
        return this;
    }

    /** Where task images are read from; otherwise the queue and index of the config's server when the queue is the config's. */
    public WorkerBuilder imageArtifacts(dev.berth.worker.images.ImageArtifacts artifacts) {
        this.imageArtifacts = artifacts;
        return this;
    }

    /**
     * How the worker tells whether a device path exists on the Docker host; otherwise the local file
     * system when the engine is on a unix socket (same host), and no check for a remote engine
     * (the engine's own refusal then ends the run resource-unavailable).
     */
    public WorkerBuilder hostPathCheck(java.util.function.Predicate<java.nio.file.Path> hostHas) {
        this.hostHas = hostHas;
        return this;
    }

    /**
     * The worker, not started yet. Fails, naming the setting, when the queue is the config's and its
     * root URL or credentials are missing.
     */
    public Worker build() {
        List<AutoCloseable> owned = new ArrayList<>();
        WorkerCounters counters;
        MetricsEndpoint endpoint = null;
        if (meterRegistry != null) {
            if (config.metricsPort() != null) {
                LOG.info("metricsPort {} is not opened: the worker's counters are in its host's own metrics", config.metricsPort());
            }
            counters = new WorkerCounters(meterRegistry);
        } else if (config.metricsPort() != null) {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            counters = new WorkerCounters(prometheus);
            endpoint = new MetricsEndpoint(prometheus, config.metricsBindHost(), config.metricsPort());
            owned.add(endpoint);
        } else {
            counters = new WorkerCounters();
        }
        WorkQueue q = queue;
        ScopeCheck.Expander expander = scopeExpander;
        PurgeRequestSource purges = purgeRequests;
        dev.berth.worker.images.ImageArtifacts imageSource = imageArtifacts;
        if (q == null) {
            config.requireQueueAccess();
            BerthClient client = new BerthClient(config.rootUrl(), new Credentials(config.clientId(), config.accessToken()));
            Backoff backoff = new Backoff(timing.errorBackoff(),
                    timing.maxBackoff().compareTo(timing.errorBackoff()) > 0 ? timing.maxBackoff() : timing.errorBackoff());
            Retrying retrying = new Retrying(clock, sleeper, backoff, counters.callRetries::increment);
            q = new ClientWorkQueue(client, config.taskQueueId(), config.workerGroup(), config.workerId(), retrying,
                    counters.liveLogBytesDropped::increment);
            if (expander == null) expander = new ClientScopeExpander(client);
            if (purges == null) purges = new ClientPurgeRequests(client, config.taskQueueId());
            if (imageSource == null) imageSource = new dev.berth.worker.queue.ClientImageArtifacts(client);
        }
        ContainerRuntime r = runtime;
        if (r == null) {
            DockerContainerRuntime docker = new DockerContainerRuntime(config.docker());
            owned.add(docker);
            r = docker;
        }
        LongSupplier disk = freeDisk != null ? freeDisk : leastFree(config.dataDir(), config.caches().dir(), r);
        RunSlots slots = new RunSlots(config.capacity());
        RunSupervisor supervisor = new RunSupervisor(q, timing, clock, counters);
        java.util.concurrent.atomic.AtomicBoolean orphansSuspected = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean engineInDoubt = new java.util.concurrent.atomic.AtomicBoolean();
        CacheManager caches = new CacheManager(r, config.workerId(), config.dataDir(), config.caches().dir(), purges, clock);
        ImageUsage images = new ImageUsage(clock);
        RunStarter starter = new RunStarter(q, r, config.workerSettings(), slots, supervisor, orphansSuspected, engineInDoubt,
                timing, clock, sleeper)
                .dockerWorker(new ScopeCheck(expander, privateRegistries()), caches, images)
                .taskPowers(TaskPowers.secrets(config), TaskPowers.capabilities(config, hostHas))
                .taskImages(imageSource == null ? null : new dev.berth.worker.images.TaskImageLoader(r, imageSource))
                .features(features(r));
        ClaimLoop claimLoop = new ClaimLoop(q, r, slots, starter, timing, config.workerId(), config.dataDir(),
                config.minFreeDiskBytes(), disk, clock, orphansSuspected, engineInDoubt);
        claimLoop.onLowDisk(new DiskCollector(r, config.workerId(), caches, images, config.caches().imageIdle(),
                () -> activeRuns(slots), disk, config.minFreeDiskBytes(), counters.registry()));
        if (idleTimeout != null) claimLoop.onIdle(idleTimeout, onIdle);
        WorkerShutdown shutdown = new WorkerShutdown(slots, claimLoop, supervisor, config.workerId());
        return new Worker(config.workerSettings(), r, config.dataDir(), slots, claimLoop, shutdown, counters, endpoint, owned);
    }

    /** The payload features this worker offers, in the order their hooks run, as its configuration leaves them. */
    private dev.berth.worker.features.Features features(ContainerRuntime runtime) {
        java.util.List<dev.berth.worker.features.TaskFeature> candidates = new java.util.ArrayList<>();
        candidates.addAll(dev.berth.worker.features.proxy.ProxyFeatures.of(config.features()));
        candidates.add(new dev.berth.worker.features.ptrace.AllowPtraceFeature(new dev.berth.worker.features.ptrace.AppArmor(config.dataDir().resolve("apparmor"))));
        candidates.add(new dev.berth.worker.features.interactive.InteractiveFeature(config.features().optionsOf("interactive")));
        candidates.add(new dev.berth.worker.features.dockersave.DockerSaveFeature(config.dataDir()));
        return dev.berth.worker.features.Features.of(config.features(), candidates);
    }

    /** Registries the worker pulls from with its own credentials: their images need a docker-worker:image scope. */
    private java.util.Set<String> privateRegistries() {
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (var credentials : config.docker().registries()) hosts.add(credentials.registry());
        return hosts;
    }

    private static java.util.Set<String> activeRuns(RunSlots slots) {
        java.util.Set<String> runs = new java.util.HashSet<>();
        for (ActiveRun run : slots.active()) runs.add(run.claim.taskId() + "/" + run.claim.runId());
        return runs;
    }

    /**
     * The least free space of the places the worker's runs fill: its data directory, the cache directory,
     * and the engine's own storage when that is on this machine (looked up once the engine answers).
     */
    private static LongSupplier leastFree(java.nio.file.Path dataDir, java.nio.file.Path cacheDir, ContainerRuntime runtime) {
        LongSupplier data = ClaimLoop.freeDiskUnder(dataDir);
        LongSupplier cache = cacheDir == null ? null : ClaimLoop.freeDiskUnder(cacheDir);
        java.util.concurrent.atomic.AtomicReference<LongSupplier> engine = new java.util.concurrent.atomic.AtomicReference<>();
        return () -> {
            long free = data.getAsLong();
            if (cache != null) free = Math.min(free, cache.getAsLong());
            LongSupplier root = engine.get();
            if (root == null) {
                try {
                    root = runtime.localRootDir().map(ClaimLoop::freeDiskUnder).orElse(() -> Long.MAX_VALUE);
                    engine.set(root);
                } catch (RuntimeException e) {
                    root = () -> Long.MAX_VALUE; // the engine does not answer yet: asked again next time
                }
            }
            return Math.min(free, root.getAsLong());
        };
    }

    /** {@link #build()}, then {@link Worker#start()}. */
    public Worker start() {
        Worker worker = build();
        worker.start();
        return worker;
    }
}
