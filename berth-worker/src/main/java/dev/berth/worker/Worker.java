package dev.berth.worker;

import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.run.TaskRunner;
import dev.berth.worker.run.WorkerSettings;
import dev.berth.worker.runtime.ContainerRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: keeps up to {@code capacity} runs going, each in its own container on its own thread.
 * Its parts: the {@link ClaimLoop} (claiming, free slots, disk and engine pauses), the
 * {@link RunStarter} (one thread per run and the clean-up after it), the {@link RunSupervisor}
 * (reclaims and status polls: holding claims, fast cancellation) and the {@link WorkerShutdown}
 * (handing runs back). Built by {@link WorkerBuilder} — the same wiring for {@code berth worker},
 * {@code berth dev} and the tests.
 *
 * <p>Lifecycle: build, {@link #start()}, then {@link #shutdown(Duration)} (e.g. on SIGTERM) or
 * {@link #close()}. Not restartable.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    /** How long {@link #close()} gives running tasks to be handed back. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    /**
     * Intervals of the worker; tests shorten them.
     *
     * @param claimWait how long one claimWork may wait for work (the server caps its long poll at 20 s)
     * @param statusPoll how often a running run's status is checked (fast cancellation)
     * @param diskCheck how often free disk is checked again while claiming is paused for it
     * @param errorBackoff first pause after the queue could not be reached, doubled at each failure in a row
     * @param minReclaimDelay reclaims never come closer together than this
     * @param engineCheck how often the container engine is asked again while it does not answer
     * @param maxBackoff the longest pause between retries of a failing background call
     * @param engineWait how long a claimed run whose engine does not answer waits for it (reclaimed
     *     meanwhile) before it is handed back to the queue
     */
    public record Timing(Duration claimWait, Duration statusPoll, Duration diskCheck, Duration errorBackoff,
                         Duration minReclaimDelay, Duration engineCheck, Duration maxBackoff, Duration engineWait) {

        /** With the default engine wait ({@link TaskRunner#DEFAULT_ENGINE_WAIT}). */
        public Timing(Duration claimWait, Duration statusPoll, Duration diskCheck, Duration errorBackoff,
                      Duration minReclaimDelay, Duration engineCheck, Duration maxBackoff) {
            this(claimWait, statusPoll, diskCheck, errorBackoff, minReclaimDelay, engineCheck, maxBackoff,
                    TaskRunner.DEFAULT_ENGINE_WAIT);
        }

        /** Short claim polls (5 s) so that shutdown can wait for the one in flight instead of abandoning it. */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(10));
    }

    private final WorkerSettings settings;
    private final ContainerRuntime runtime;
    private final Path dataDir;
    private final RunSlots slots;
    private final ClaimLoop claimLoop;
    private final WorkerShutdown shutdown;
    private final WorkerCounters counters;
    private final MetricsEndpoint metrics;
    private final List<AutoCloseable> owned;
    private boolean started;
    private boolean stopped;
    private boolean lastShutdownClean;

    Worker(WorkerSettings settings, ContainerRuntime runtime, Path dataDir, RunSlots slots, ClaimLoop claimLoop, WorkerShutdown shutdown, WorkerCounters counters,
           MetricsEndpoint metrics, List<AutoCloseable> owned) {
        this.settings = settings;
        this.runtime = runtime;
        this.dataDir = dataDir;
        this.slots = slots;
        this.claimLoop = claimLoop;
        this.shutdown = shutdown;
        this.counters = counters;
        this.metrics = metrics;
        this.owned = List.copyOf(owned);
    }

    /** A builder for a worker as {@code config} describes it. */
    public static WorkerBuilder builder(WorkerConfig config) {
        return new WorkerBuilder(config);
    }

    /**
     * Opens the metrics port when one is set (failing when it cannot), removes leftovers of an earlier
     * life of this worker id, then starts claiming.
     */
    public synchronized void start() {
        if (started) throw new IllegalStateException("the worker was started already");
        started = true;
        if (metrics != null) metrics.start();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        try {
            LeftoverCleaner cleaner = new LeftoverCleaner(runtime);
            int removed = cleaner.removeLeftovers(settings.workerId());
            if (removed > 0) LOG.info("removed {} container(s) left behind by an earlier run of worker {}", removed, settings.workerId());
            cleaner.removeLeftoverNetworks(settings.workerId(), labels -> false);
        } catch (RuntimeException e) {
            // an engine that is away now is waited for by the claim loop, which cleans up when it returns
            LOG.warn("could not look for containers an earlier run of worker {} left behind: {}", settings.workerId(), e.toString());
        }
        LOG.info("worker {}/{} claiming from {} with capacity {}", settings.workerGroup(), settings.workerId(),
                settings.workerType(), slots.capacity());
        claimLoop.start();
    }

    /** Runs now in progress. */
    public int runningCount() {
        return slots.running();
    }

    /** Whether claiming is paused because the disk is short of space. */
    public boolean isPausedForDisk() {
        return claimLoop.isPausedForDisk();
    }

    /** Whether claiming is paused because the container engine does not answer. */
    public boolean isPausedForEngine() {
        return claimLoop.isPausedForEngine();
    }

    /** What the worker counted about its background calls so far. */
    public WorkerCounters counters() {
        return counters;
    }

    /** Where the worker serves {@code /metrics}, when it has a metrics port and was started. */
    public Optional<InetSocketAddress> metricsAddress() {
        return metrics == null ? Optional.empty() : Optional.ofNullable(metrics.address());
    }

    /**
     * Stops claiming, kills every running container and reports each of those runs
     * exception/worker-shutdown (the queue retries them). Waits at most {@code grace} for the runs
     * to be handed back; a run that could not be reported in time ends claim-expired on the queue.
     *
     * @return true when every run was handed back within {@code grace}
     */
    public boolean shutdown(Duration grace) {
        synchronized (this) {
            if (stopped) return lastShutdownClean && slots.isEmpty();
            stopped = true;
        }
        boolean clean = shutdown.run(grace);
        LOG.info("worker {} counters: {}", settings.workerId(), counters);
        synchronized (this) {
            lastShutdownClean = clean;
        }
        return clean;
    }

    /** {@link #shutdown(Duration)} with {@link #DEFAULT_SHUTDOWN_GRACE}, then closes what the worker owns. */
    @Override
    public void close() {
        shutdown(DEFAULT_SHUTDOWN_GRACE);
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c, e.toString());
            }
        }
    }
}
