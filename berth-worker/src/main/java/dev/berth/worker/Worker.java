package dev.berth.worker;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.queue.ClientWorkQueue;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.queue.ReclaimResult;
import dev.berth.worker.queue.TaskLogName;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.run.RunOutcome;
import dev.berth.worker.run.RunReporter;
import dev.berth.worker.run.TaskRunner;
import dev.berth.worker.run.WorkerSettings;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop: keeps up to {@code capacity} runs going, each in its own container on its own
 * thread, and holds their claims while they run.
 *
 * <ul>
 *   <li>Claims with a long poll for (capacity − running) tasks, so a free slot is filled as soon as a
 *       task is pending.
 *   <li>Reclaims each run at half its remaining claim, {@code (takenUntil − now) / 2}: a missed
 *       reclaim (queue briefly unreachable) still leaves time for another before the claim expires.
 *       A reclaim answered "gone" (409) stops the container; nothing is uploaded or reported.
 *   <li>Fast cancellation: every {@link Timing#statusPoll} (1 s by default) each running run's status
 *       is asked of the queue, and a run that is no longer running is stopped like a "gone" reclaim.
 *       Reclaims alone come only every several minutes, and cancelTask should stop a container
 *       within seconds; a status poll is one cheap GET, so polling beats waiting for a push channel
 *       the queue API does not have.
 *   <li>Claims nothing while the free disk under the data directory is below the threshold (said
 *       once in the log, and again when space returns).
 *   <li>{@link #shutdown(Duration)} stops claiming, kills running containers and reports each of
 *       their runs exception/worker-shutdown, so the queue retries them elsewhere at once instead of
 *       waiting for the claims to expire.
 * </ul>
 *
 * <p>Lifecycle: construct, {@link #start()}, then {@link #shutdown(Duration)} (e.g. on SIGTERM) or
 * {@link #close()}. Not restartable.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    /** How long {@link #close()} gives running tasks to be handed back. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    /**
     * Intervals of the loop; tests shorten them.
     *
     * @param claimWait how long one claimWork may wait for work (the server caps its long poll at 20 s)
     * @param statusPoll how often a running run's status is checked (fast cancellation)
     * @param diskCheck how often free disk is checked again while claiming is paused for it
     * @param errorBackoff pause after the queue could not be reached, before trying again
     * @param minReclaimDelay reclaims never come closer together than this
     */
    public record Timing(Duration claimWait, Duration statusPoll, Duration diskCheck, Duration errorBackoff,
                         Duration minReclaimDelay) {
        /** Short claim polls (5 s) so that shutdown can wait for the one in flight instead of abandoning it. */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    private final WorkQueue queue;
    private final ContainerRuntime runtime;
    private final WorkerSettings settings;
    private final PayloadValidator validator;
    private final int capacity;
    private final Path dataDir;
    private final long minFreeDiskBytes;
    private final LongSupplier freeDisk;
    private final Timing timing;
    private final List<AutoCloseable> owned;

    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final Object slots = new Object();
    /**
     * Runs holding a slot, guarded by {@link #slots}. A run gives its slot back once it is reported,
     * before its container is removed, so the next claim overlaps the removal; it stays in
     * {@link #active} (and {@link #runningCount()}) until the container is gone.
     */
    private int occupied;
    private final ScheduledExecutorService supervisor;
    private volatile boolean stopping;
    private volatile boolean claimCallInFlight;
    private volatile boolean started;
    private Thread claimThread;
    private volatile boolean pausedForDisk;

    /** Why a run's container was stopped by the worker rather than ending by itself; the first reason wins. */
    private enum StopReason { RUN_GONE, WORKER_SHUTDOWN }

    /**
     * A worker with the given queue and container engine; {@code config} supplies everything else.
     * The queue and runtime stay the caller's to close.
     */
    public Worker(WorkerConfig config, WorkQueue queue, ContainerRuntime runtime) {
        this(config, queue, runtime, Timing.DEFAULT, freeDiskUnder(config.dataDir()), List.of());
    }

    /**
     * A worker as {@code config} describes it: the Docker engine it names and the queue at its root
     * URL, both owned by the worker. Fails, naming the setting, when the root URL or credentials are
     * missing.
     */
    public Worker(WorkerConfig config) {
        this(config, queueFor(config));
    }

    private Worker(WorkerConfig config, WorkQueue queue) {
        this(config, queue, new DockerContainerRuntime(config.docker()));
    }

    private Worker(WorkerConfig config, WorkQueue queue, DockerContainerRuntime docker) {
        this(config, queue, docker, Timing.DEFAULT, freeDiskUnder(config.dataDir()), List.of(docker));
    }

    private static WorkQueue queueFor(WorkerConfig config) {
        config.requireQueueAccess();
        BerthClient client = new BerthClient(config.rootUrl(), new Credentials(config.clientId(), config.accessToken()));
        return new ClientWorkQueue(client, config.taskQueueId(), config.workerGroup(), config.workerId());
    }

    /**
     * A worker on the Docker engine {@code config} names, which it owns (closed by {@link #close()}),
     * claiming from {@code queue}, which stays the caller's.
     */
    public static Worker withDocker(WorkerConfig config, WorkQueue queue) {
        DockerContainerRuntime docker = new DockerContainerRuntime(config.docker());
        return new Worker(config, queue, docker, Timing.DEFAULT, freeDiskUnder(config.dataDir()), List.of(docker));
    }

    Worker(WorkerConfig config, WorkQueue queue, ContainerRuntime runtime, Timing timing, LongSupplier freeDisk,
           List<AutoCloseable> owned) {
        this.queue = queue;
        this.runtime = runtime;
        this.settings = config.workerSettings();
        this.validator = new PayloadValidator();
        this.capacity = config.capacity();
        this.dataDir = config.dataDir();
        this.minFreeDiskBytes = config.minFreeDiskBytes();
        this.freeDisk = freeDisk;
        this.timing = timing;
        this.owned = List.copyOf(owned);
        this.supervisor = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "berth-worker-supervisor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Removes leftovers of an earlier life of this worker id, then starts claiming. */
    public synchronized void start() {
        if (started) throw new IllegalStateException("the worker was started already");
        started = true;
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        int removed = new LeftoverCleaner(runtime).removeLeftovers(settings.workerId());
        if (removed > 0) LOG.info("removed {} container(s) left behind by an earlier run of worker {}", removed, settings.workerId());
        LOG.info("worker {}/{} claiming from {} with capacity {}", settings.workerGroup(), settings.workerId(),
                settings.workerType(), capacity);
        claimThread = new Thread(this::claimLoop, "berth-worker-claim");
        claimThread.start();
    }

    /** Runs now in progress. */
    public int runningCount() {
        return active.size();
    }

    /** Whether claiming is paused because the disk is short of space. */
    public boolean isPausedForDisk() {
        return pausedForDisk;
    }

    /**
     * Stops claiming, kills every running container and reports each of those runs
     * exception/worker-shutdown (the queue retries them). Waits at most {@code grace} for the runs
     * to be handed back; a run that could not be reported in time ends claim-expired on the queue.
     *
     * @return true when every run was handed back within {@code grace}
     */
    public boolean shutdown(Duration grace) {
        Instant until = Instant.now().plus(grace);
        synchronized (this) {
            if (stopping && claimThread == null) return active.isEmpty();
            // under the slots lock: a run is either registered before this (and stopped below) or
            // sees stopping and is handed back by the claim thread itself
            synchronized (slots) {
                stopping = true;
                slots.notifyAll();
            }
        }
        LOG.info("worker {} shutting down: {} run(s) to hand back", settings.workerId(), active.size());
        // A claim poll in flight is let finish (it is short): abandoning it could leave the server claiming a
        // task for a worker that no longer listens, stuck until its claim expires. Whatever it brings is handed
        // back. Anything else the claim thread waits on (free slots, disk) is interrupted at once.
        // The claim thread ends first, so that no poll is left to claim the retry runs our hand-backs create.
        if (claimThread != null) {
            if (!claimCallInFlight) claimThread.interrupt();
            try {
                claimThread.join(Math.max(1, Duration.between(Instant.now(), until).toMillis()));
                if (claimThread.isAlive()) {
                    claimThread.interrupt();
                    claimThread.join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ActiveRun run : active.values()) run.stop(StopReason.WORKER_SHUTDOWN);
        boolean clean = true;
        for (ActiveRun run : new ArrayList<>(active.values())) {
            long left = Duration.between(Instant.now(), until).toMillis();
            try {
                run.thread.join(Math.max(1, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (run.thread.isAlive()) {
                clean = false;
                LOG.warn("run {} was not handed back within {}s; the queue resolves it when its claim expires",
                        run.claim, grace.toSeconds());
            }
        }
        supervisor.shutdownNow();
        synchronized (this) {
            claimThread = null;
        }
        LOG.info("worker {} stopped", settings.workerId());
        return clean && active.isEmpty();
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

    // ---------------------------------------------------------------- claiming

    private void claimLoop() {
        while (!stopping) {
            try {
                if (!diskAllowsClaiming()) {
                    sleep(timing.diskCheck());
                    continue;
                }
                int free = awaitFreeSlots();
                if (free == 0) continue;
                List<WorkClaim> claims;
                // flag first, then look at stopping: shutdown either sees the flag or we see stopping
                claimCallInFlight = true;
                try {
                    if (stopping) break;
                    claims = queue.claimWork(free, timing.claimWait());
                } finally {
                    claimCallInFlight = false;
                }
                for (WorkClaim claim : claims) begin(claim);
            } catch (InterruptedException e) {
                if (!stopping) LOG.warn("claim loop interrupted; going on");
            } catch (IOException | RuntimeException e) {
                if (stopping) break;
                LOG.warn("claiming work failed, trying again in {}s: {}", timing.errorBackoff().toSeconds(), e.toString());
                try {
                    sleep(timing.errorBackoff());
                } catch (InterruptedException ignored) {
                    // stopping, or spurious: the loop condition decides
                }
            }
        }
    }

    /** Blocks until at least one slot is free (or the worker stops); returns how many are. */
    private int awaitFreeSlots() throws InterruptedException {
        synchronized (slots) {
            while (!stopping && occupied >= capacity) slots.wait();
            return stopping ? 0 : capacity - occupied;
        }
    }

    private boolean diskAllowsClaiming() {
        if (minFreeDiskBytes <= 0) return true;
        long free = freeDisk.getAsLong();
        boolean enough = free >= minFreeDiskBytes;
        if (!enough && !pausedForDisk) {
            LOG.warn("only {} MiB free under {} (threshold {} MiB): claiming paused until space returns",
                    free >> 20, dataDir, minFreeDiskBytes >> 20);
        } else if (enough && pausedForDisk) {
            LOG.info("{} MiB free under {} again: claiming resumed", free >> 20, dataDir);
        }
        pausedForDisk = !enough;
        return enough;
    }

    private static LongSupplier freeDiskUnder(Path dir) {
        return () -> {
            try {
                Path existing = dir;
                while (existing != null && !Files.exists(existing)) existing = existing.getParent();
                return Files.getFileStore(existing == null ? Path.of(".") : existing).getUsableSpace();
            } catch (IOException e) {
                // an unreadable file store must not stop the worker: count it as enough space
                LOG.warn("cannot read free disk space under {}: {}", dir, e.toString());
                return Long.MAX_VALUE;
            }
        };
    }

    // ---------------------------------------------------------------- one run

    private void begin(WorkClaim claim) {
        RunReporter reporter;
        try {
            reporter = queue.reporterFor(claim);
        } catch (IOException | RuntimeException e) {
            // without a log artifact the run cannot be reported properly; the claim expires and the queue retries it
            LOG.error("cannot start reporting for {}; leaving it to expire: {}", claim, e.toString());
            return;
        }
        TaskRunner runner = new TaskRunner(runtime, settings, validator, claim.run(), reporter);
        ActiveRun run = new ActiveRun(claim, runner, reporter);
        run.thread = new Thread(() -> execute(run), "berth-run-" + claim.taskId() + "-" + claim.runId());
        synchronized (slots) {
            if (!stopping) {
                active.put(key(claim), run);
                occupied++;
            }
        }
        if (!active.containsKey(key(claim))) {
            // claimed while shutting down (the long poll answered late): hand it straight back
            LOG.info("claimed {} while shutting down; handing it back", claim);
            // shutdown interrupted this (the claim) thread to end its long poll; the hand-back must still go out
            Thread.interrupted();
            handBack(claim, reporter);
            closeQuietly(reporter, claim);
            return;
        }
        LOG.info("claimed {} (held until {})", claim, claim.takenUntil());
        run.thread.start();
        scheduleReclaim(run);
        run.statusPoll = supervisor.scheduleWithFixedDelay(() -> pollStatus(run),
                timing.statusPoll().toMillis(), timing.statusPoll().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void execute(ActiveRun run) {
        try {
            RunOutcome outcome = run.runner.runAndReport();
            StopReason stopped = run.stopReason.get();
            if (outcome.resolution() == RunOutcome.Resolution.CANCELLED && stopped == StopReason.WORKER_SHUTDOWN) {
                handBack(run.claim, run.reporter);
            } else if (outcome.resolution() == RunOutcome.Resolution.CANCELLED) {
                LOG.info("run {} stopped: it is no longer this worker's to run", run.claim);
            } else {
                LOG.info("run {} ended {}{}", run.claim, outcome.resolution().name().toLowerCase(java.util.Locale.ROOT),
                        outcome.exceptionReason() == null ? "" : "/" + outcome.exceptionReason().wire());
            }
        } catch (RuntimeException e) {
            LOG.error("run {} broke out of its runner", run.claim, e);
        } finally {
            // the reporter's live log has a flusher thread; a cancelled run never finishes its log
            closeQuietly(run.reporter, run.claim);
            run.finished = true;
            if (run.reclaim != null) run.reclaim.cancel(false);
            if (run.statusPoll != null) run.statusPoll.cancel(false);
            releaseSlot(run);
            try {
                run.runner.removeContainer();
            } finally {
                synchronized (slots) {
                    active.remove(key(run.claim));
                    slots.notifyAll();
                }
            }
        }
    }

    private void releaseSlot(ActiveRun run) {
        synchronized (slots) {
            if (run.slotReleased) return;
            run.slotReleased = true;
            occupied--;
            slots.notifyAll();
        }
    }

    /** Reports a run exception/worker-shutdown so the queue schedules a retry run at once. */
    private void handBack(WorkClaim claim, RunReporter reporter) {
        try {
            reporter.appendLog(("[berth] worker " + settings.workerId() + " is shutting down: the run is handed back "
                    + "to the queue (exception/worker-shutdown)\n").getBytes(StandardCharsets.UTF_8));
            reporter.finishLog(TaskLogName.of(claim.run().task()), claim.run().task().expires());
            reporter.reportException(ReasonResolved.WORKER_SHUTDOWN);
            LOG.info("run {} handed back: exception/worker-shutdown", claim);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not hand back {}; the queue resolves it when its claim expires: {}", claim, e.toString());
        }
    }

    private void scheduleReclaim(ActiveRun run) {
        if (stopping || run.finished) return;
        Duration remaining = Duration.between(Instant.now(), run.claim.takenUntil());
        long delay = Math.max(timing.minReclaimDelay().toMillis(), remaining.toMillis() / 2);
        run.reclaim = supervisor.schedule(() -> reclaim(run), delay, TimeUnit.MILLISECONDS);
    }

    private void reclaim(ActiveRun run) {
        if (run.stopReason.get() != null || stopping || run.finished) return;
        try {
            ReclaimResult result = queue.reclaim(run.claim);
            switch (result) {
                case ReclaimResult.Renewed renewed -> {
                    LOG.debug("reclaimed {} until {}", run.claim, renewed.takenUntil());
                    scheduleReclaim(run);
                }
                case ReclaimResult.Gone gone -> {
                    LOG.info("reclaim of {} refused ({}): stopping its container", run.claim, gone.why());
                    run.stop(StopReason.RUN_GONE);
                }
            }
        } catch (IOException | RuntimeException e) {
            // try again at half of what is left; the claim has not expired yet, and a queue that stays
            // away means the run is lost anyway (it ends claim-expired)
            LOG.warn("reclaim of {} failed, retrying: {}", run.claim, e.toString());
            scheduleReclaim(run);
        }
    }

    private void pollStatus(ActiveRun run) {
        if (run.stopReason.get() != null || stopping || run.finished) return;
        try {
            if (!queue.isStillRunning(run.claim)) {
                LOG.info("run {} is no longer running on the queue (cancelled or resolved): stopping its container", run.claim);
                run.stop(StopReason.RUN_GONE);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("status of {} unknown: {}", run.claim, e.toString());
        }
    }

    private static void closeQuietly(RunReporter reporter, WorkClaim claim) {
        if (reporter instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing the reporter of {}: {}", claim, e.toString());
            }
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(Math.max(1, d.toMillis()));
    }

    private static String key(WorkClaim claim) {
        return claim.taskId() + "/" + claim.runId();
    }

    /** A run in progress and what the worker does for it meanwhile. */
    private static final class ActiveRun {
        final WorkClaim claim;
        final TaskRunner runner;
        final RunReporter reporter;
        final AtomicReference<StopReason> stopReason = new AtomicReference<>();
        volatile Thread thread;
        volatile boolean finished;
        boolean slotReleased; // guarded by Worker.slots
        volatile ScheduledFuture<?> reclaim;
        volatile ScheduledFuture<?> statusPoll;

        ActiveRun(WorkClaim claim, TaskRunner runner, RunReporter reporter) {
            this.claim = claim;
            this.runner = runner;
            this.reporter = reporter;
        }

        void stop(StopReason reason) {
            if (stopReason.compareAndSet(null, reason)) runner.cancel();
        }
    }
}
