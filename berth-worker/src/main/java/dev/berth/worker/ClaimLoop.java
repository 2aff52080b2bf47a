package dev.berth.worker;

import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.FailureLog;
import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claiming thread: keeps up to capacity runs going.
 *
 * <ul>
 *   <li>Claims with a long poll for (capacity − running) tasks, so a free slot is filled as soon as
 *       a task is pending.
 *   <li>Claims nothing while the free disk under the data directory is below the threshold, or
 *       while the container engine does not answer (each said once in the log, and again when it is
 *       over). When the engine is back, containers of this worker that belong to no run in progress
 *       (their runs died with the engine) are removed.
 *   <li>A claim that fails (queue unreachable) is tried again after a backoff.
 * </ul>
 */
final class ClaimLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimLoop.class);

    private final WorkQueue queue;
    private final ContainerRuntime runtime;
    private final RunSlots slots;
    private final RunStarter starter;
    private final Worker.Timing timing;
    private final String workerId;
    private final Path dataDir;
    private final long minFreeDiskBytes;
    private final LongSupplier freeDisk;
    private final FailureLog claimFailures;
    private final Backoff claimBackoff;

    private final java.util.concurrent.atomic.AtomicBoolean orphansSuspected;
    private final java.util.concurrent.atomic.AtomicBoolean engineInDoubt;
    private volatile boolean claimCallInFlight;
    private volatile boolean pausedForDisk;
    private volatile boolean pausedForEngine;
    private Thread thread;
    private final Clock clock;
    private volatile Duration idleTimeout;
    private volatile Runnable onIdle;
    private boolean claimedAny;
    private long lastBusyMillis;

    ClaimLoop(WorkQueue queue, ContainerRuntime runtime, RunSlots slots, RunStarter starter, Worker.Timing timing,
              String workerId, Path dataDir, long minFreeDiskBytes, LongSupplier freeDisk, Clock clock,
              java.util.concurrent.atomic.AtomicBoolean orphansSuspected,
              java.util.concurrent.atomic.AtomicBoolean engineInDoubt) {
        this.orphansSuspected = orphansSuspected;
        this.engineInDoubt = engineInDoubt;
        this.queue = queue;
        this.runtime = runtime;
        this.slots = slots;
        this.starter = starter;
        this.timing = timing;
        this.workerId = workerId;
        this.dataDir = dataDir;
        this.minFreeDiskBytes = minFreeDiskBytes;
        this.freeDisk = freeDisk;
        this.clock = clock;
        this.lastBusyMillis = clock.millis();
        this.claimFailures = new FailureLog(LOG, "claimWork", clock);
        this.claimBackoff = new Backoff(timing.errorBackoff(),
                timing.maxBackoff().compareTo(timing.errorBackoff()) > 0 ? timing.maxBackoff() : timing.errorBackoff());
    }

    synchronized void start() {
        thread = new Thread(this::loop, "berth-worker-claim");
        thread.start();
    }

    boolean isPausedForDisk() {
        return pausedForDisk;
    }

    boolean isPausedForEngine() {
        return pausedForEngine;
    }

    /**
     * Waits for the loop to end after {@link RunSlots#stop()}. A claim poll in flight is let finish
     * (it is short): abandoning it could leave the server claiming a task for a worker that no longer
     * listens, stuck until its claim expires; whatever it brings is handed back. Anything else the
     * loop waits on (free slots, disk, engine) is interrupted at once.
     */
    void stopAndJoin(Duration wait) {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) return;
        if (!claimCallInFlight) t.interrupt();
        try {
            t.join(Math.max(1, wait.toMillis()));
            if (t.isAlive()) {
                t.interrupt();
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        int failures = 0;
        while (!slots.isStopping()) {
            try {
                if (idleTimeout != null && idleExit()) break;
                // slots first, then disk and engine: a slot is often freed by a run the engine took with it,
                // and the claim must not go out before the engine has been asked again
                boolean busyBefore = slots.running() > 0;
                int free = slots.awaitFree();
                // a run that ended while we waited for its slot was work until just now
                if (busyBefore) lastBusyMillis = clock.millis();
                if (free == 0) continue;
                if (!diskAllowsClaiming()) {
                    sleep(timing.diskCheck());
                    continue;
                }
                if (!engineAnswers()) {
                    sleep(timing.engineCheck());
                    continue;
                }
                List<WorkClaim> claims;
                // flag first, then look at stopping: shutdown either sees the flag or we see stopping
                claimCallInFlight = true;
                try {
                    if (slots.isStopping()) break;
                    claims = queue.claimWork(free, timing.claimWait());
                } finally {
                    claimCallInFlight = false;
                }
                failures = 0;
                claimFailures.succeeded(workerId);
                if (!claims.isEmpty()) claimedAny = true;
                for (WorkClaim claim : claims) starter.begin(claim);
            } catch (InterruptedException e) {
                if (!slots.isStopping()) LOG.warn("claim loop interrupted; going on");
            } catch (IOException | RuntimeException e) {
                if (slots.isStopping()) break;
                failures++;
                Duration pause = claimBackoff.after(failures);
                claimFailures.failed(workerId, e, "trying again in " + pause.toMillis() + "ms");
                try {
                    sleep(pause);
                } catch (InterruptedException ignored) {
                    // stopping, or spurious: the loop condition decides
                }
            }
        }
    }

    private boolean engineAnswers() throws InterruptedException {
        try {
            runtime.ping();
            if (engineInDoubt.getAndSet(false)) {
                // a run was just lost with the engine, which may answer for a moment yet while it shuts down
                sleep(timing.engineCheck());
                runtime.ping();
            }
        } catch (ContainerRuntimeException e) {
            if (!pausedForEngine) {
                LOG.warn("the container engine does not answer: claiming paused until it does ({})", e.getMessage());
            }
            pausedForEngine = true;
            return false;
        }
        if (pausedForEngine) {
            LOG.info("the container engine answers again: claiming resumed");
            pausedForEngine = false;
            orphansSuspected.set(true);
        }
        // also after an engine restart too quick for the loop to see: a run that died with it says so
        if (orphansSuspected.getAndSet(false)) removeOrphans();
        return true;
    }

    /** Containers of runs that died with the engine (their removal failed while it was away). */
    private void removeOrphans() {
        java.util.function.Predicate<dev.berth.worker.runtime.ContainerSummary> active = c -> slots.isActive(
                c.labels().getOrDefault(ContainerRuntime.LABEL_TASK_ID, ""),
                c.labels().getOrDefault(ContainerRuntime.LABEL_RUN_ID, ""));
        try {
            LeftoverCleaner cleaner = new LeftoverCleaner(runtime);
            int removed = cleaner.removeLeftovers(workerId, active);
            if (removed > 0) LOG.info("removed {} container(s) of runs that ended while the engine was away", removed);
            cleaner.removeLeftoverNetworks(workerId, labels -> slots.isActive(
                    labels.getOrDefault(ContainerRuntime.LABEL_TASK_ID, ""), labels.getOrDefault(ContainerRuntime.LABEL_RUN_ID, "")));
            // what could not be removed now is tried again on a later round
            if (cleaner.count(workerId, active.negate()) > 0) orphansSuspected.set(true);
        } catch (RuntimeException e) {
            orphansSuspected.set(true);
            LOG.warn("could not list this worker's containers after the engine came back: {}", e.toString());
        }
    }

    /** After {@code timeout} without a run (zero: after the first), claiming stops and {@code action} runs once. */
    void onIdle(Duration timeout, Runnable action) {
        this.onIdle = action;
        this.idleTimeout = timeout;
    }

    /**
     * True when the worker has been idle long enough and {@code onIdle} was called. With a zero timeout the
     * worker claims one task only: it waits for that run to end, claiming nothing more.
     */
    private boolean idleExit() throws InterruptedException {
        long now = clock.millis();
        if (slots.running() > 0) {
            lastBusyMillis = now;
            if (idleTimeout.isZero() && claimedAny) {
                sleep(Duration.ofMillis(200));
                return idleExit();
            }
            return false;
        }
        boolean idle = idleTimeout.isZero() ? claimedAny : now - lastBusyMillis >= idleTimeout.toMillis();
        if (!idle) return false;
        LOG.info("idle for {}s{}: stopping", idleTimeout.toSeconds(), idleTimeout.isZero() ? " (one task per worker)" : "");
        onIdle.run();
        return true;
    }

    /** Called while free disk is under the threshold, before claiming is held off (garbage collection). */
    ClaimLoop onLowDisk(Runnable collector) {
        this.onLowDisk = collector;
        return this;
    }

    private volatile Runnable onLowDisk;

    private boolean diskAllowsClaiming() {
        if (minFreeDiskBytes <= 0) return true;
        long free = freeDisk.getAsLong();
        Runnable collector = onLowDisk;
        if (free < minFreeDiskBytes && collector != null) {
            try {
                collector.run();
            } catch (RuntimeException e) {
                LOG.warn("garbage collection on low disk failed: {}", e.toString());
            }
            free = freeDisk.getAsLong();
        }
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

    static LongSupplier freeDiskUnder(Path dir) {
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

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(Math.max(1, d.toMillis()));
    }
}
