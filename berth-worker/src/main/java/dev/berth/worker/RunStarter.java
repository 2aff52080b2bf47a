package dev.berth.worker;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.queue.TaskLogName;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.RunOutcome;
import dev.berth.worker.run.RunReporter;
import dev.berth.worker.run.TaskRunner;
import dev.berth.worker.run.WorkerSettings;
import dev.berth.worker.runtime.ContainerRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts each claimed run on its own thread, under the {@link RunSupervisor}'s watch, and cleans up
 * after it: report, slot, container. A run claimed while the worker stops is handed back at once.
 */
final class RunStarter {

    private static final Logger LOG = LoggerFactory.getLogger(RunStarter.class);

    private final WorkQueue queue;
    private final ContainerRuntime runtime;
    private final WorkerSettings settings;
    private final PayloadValidator validator = new PayloadValidator();
    private final RunSlots slots;
    private final RunSupervisor supervisor;
    private final java.util.concurrent.atomic.AtomicBoolean orphansSuspected;
    private final java.util.concurrent.atomic.AtomicBoolean engineInDoubt;
    private final Worker.Timing timing;
    private final java.time.Clock clock;
    private final dev.berth.worker.retry.Retrying.Sleeper sleeper;
    private dev.berth.worker.scopes.ScopeCheck scopeCheck = new dev.berth.worker.scopes.ScopeCheck(null, java.util.Set.of());
    private dev.berth.worker.caches.CacheManager caches;
    private dev.berth.worker.caches.ImageUsage images;
    private dev.berth.worker.images.TaskImageLoader taskImages;
    private dev.berth.worker.features.Features features = dev.berth.worker.features.Features.NONE;
    private dev.berth.worker.secrets.WorkerSecrets secrets = dev.berth.worker.secrets.WorkerSecrets.NONE;
    private final dev.berth.worker.superseding.Superseding superseding;
    private dev.berth.worker.capabilities.CapabilityPolicy capabilities =
            new dev.berth.worker.capabilities.CapabilityPolicy(dev.berth.worker.capabilities.CapabilityConfig.NONE, p -> false);

    /**
     * @param orphansSuspected set when a run was lost with the engine: its container may have outlived
     *     the failed removal, and the claim loop looks for such leftovers once the engine answers
     * @param engineInDoubt set at the same moment, at once: the claim loop makes sure the engine still
     *     answers a little later before claiming again (a restarting engine stops its containers
     *     while it still answers, then goes), so that no retry is claimed into the outage
     * @param timing, clock, sleeper how a run waits for an engine that does not answer
     */
    RunStarter(WorkQueue queue, ContainerRuntime runtime, WorkerSettings settings, RunSlots slots, RunSupervisor supervisor,
               java.util.concurrent.atomic.AtomicBoolean orphansSuspected, java.util.concurrent.atomic.AtomicBoolean engineInDoubt,
               Worker.Timing timing, java.time.Clock clock, dev.berth.worker.retry.Retrying.Sleeper sleeper) {
        this.orphansSuspected = orphansSuspected;
        this.engineInDoubt = engineInDoubt;
        this.timing = timing;
        this.clock = clock;
        this.sleeper = sleeper;
        this.queue = queue;
        this.runtime = runtime;
        this.settings = settings;
        this.slots = slots;
        this.supervisor = supervisor;
        this.superseding = new dev.berth.worker.superseding.Superseding(queue, new dev.berth.worker.superseding.SupersederClient(),
                settings.workerId());
    }

    /** The docker-worker scope check and the volume caches every run gets (see WorkerBuilder). */
    RunStarter dockerWorker(dev.berth.worker.scopes.ScopeCheck scopeCheck, dev.berth.worker.caches.CacheManager caches,
                            dev.berth.worker.caches.ImageUsage images) {
        this.scopeCheck = scopeCheck;
        this.caches = caches;
        this.images = images;
        return this;
    }

    /** The payload features every run may turn on. */
    RunStarter features(dev.berth.worker.features.Features features) {
        this.features = features;
        return this;
    }

    /** Where task-image and indexed-image payloads are loaded from (null: refused). */
    RunStarter taskImages(dev.berth.worker.images.TaskImageLoader loader) {
        this.taskImages = loader;
        return this;
    }

    /** The worker's key and secret values, and what it allows of payload capabilities, for every run. */
    RunStarter taskPowers(dev.berth.worker.secrets.WorkerSecrets secrets, dev.berth.worker.capabilities.CapabilityPolicy capabilities) {
        this.secrets = secrets;
        this.capabilities = capabilities;
        return this;
    }

    void begin(WorkClaim claimed) {
        // a payload with supersederUrl may have the worker run another task in its place (the primary)
        dev.berth.worker.superseding.Supersession supersession = superseding.resolve(claimed, this::holdSuperseded);
        WorkClaim claim = supersession.primary();
        RunReporter reporter;
        try {
            reporter = queue.reporterFor(claim);
        } catch (IOException | RuntimeException e) {
            // without a log artifact the run cannot be reported properly; the claim expires and the queue retries it
            LOG.error("cannot start reporting for {}; leaving it to expire: {}", claim, e.toString());
            supersession.handBack("the worker could not report for " + claim);
            return;
        }
        supersession.primaryStarts(reporter);
        TaskRunner runner = new TaskRunner(runtime, settings, validator, claim.run(), reporter)
                .engineWait(clock, sleeper, timing.engineCheck(), timing.engineWait())
                .scopeCheck(scopeCheck).caches(caches).images(images).taskImages(taskImages, claim)
                .secrets(secrets)
                .capabilities(capabilities)
                .features(features)
                .beforeReport(supersession::beforePrimaryReport);
        ActiveRun run = new ActiveRun(claim, runner, reporter);
        run.thread = new Thread(() -> execute(run, supersession), "berth-run-" + claim.taskId() + "-" + claim.runId());
        if (!slots.register(run)) {
            // claimed while shutting down (the long poll answered late): hand it straight back
            LOG.info("claimed {} while shutting down; handing it back", claim);
            // shutdown interrupted this (the claim) thread to end its long poll; the hand-back must still go out
            Thread.interrupted();
            handBack(claim, reporter);
            closeQuietly(reporter, claim);
            supersession.handBack("the worker is shutting down");
            return;
        }
        LOG.info("claimed {} (held until {})", claim, claim.takenUntil());
        run.thread.start();
        supervisor.watch(run);
    }

    /** Holds a task superseded by a run of this worker: reclaimed and watched like a run until it is resolved. */
    private dev.berth.worker.superseding.ClaimHolder.Held holdSuperseded(WorkClaim claim, RunReporter reporter) {
        ActiveRun held = new ActiveRun(claim, new TaskRunner(runtime, settings, validator, claim.run(), reporter), reporter);
        supervisor.watch(held);
        return new dev.berth.worker.superseding.ClaimHolder.Held() {
            @Override
            public boolean gone() {
                return held.stopReason.get() != null;
            }

            @Override
            public void release() {
                held.finished = true;
                supervisor.unwatch(held);
            }
        };
    }

    private void execute(ActiveRun run, dev.berth.worker.superseding.Supersession supersession) {
        RunOutcome outcome = null;
        boolean engineLost = false;
        try {
            TaskRunner.Ended ended = run.runner.runToEnd();
            // A run the engine took with it (stopped or restarted under it) puts the engine in doubt now, before
            // the slot goes back: the claim loop, woken by the free slot, must ask the engine again a moment later
            // before it claims anything, or the retry is claimed into an engine that still answers as it goes.
            engineLost = run.stopReason.get() == null && ended.engineLost();
            if (engineLost) {
                engineInDoubt.set(true);
                orphansSuspected.set(true);
            }
            // The container has exited (and its artifacts are uploaded): the slot is given back now, so the next
            // claim and container start go ahead while this run is reported and then its container removed (as
            // xargs starts the next `docker run` once the last has exited). The run stays active (the claim
            // reclaimed, shutdown waiting for it) until both are done. The removal comes after the report, not
            // beside it: on 2 cores the engine's removal slowed the report down by as much as it saved.
            slots.release(run);
            outcome = run.runner.report(ended);
            ActiveRun.StopReason stopped = run.stopReason.get();
            if (outcome.resolution() == RunOutcome.Resolution.CANCELLED && stopped == ActiveRun.StopReason.WORKER_SHUTDOWN) {
                handBack(run.claim, run.reporter);
            } else if (outcome.resolution() == RunOutcome.Resolution.CANCELLED) {
                LOG.info("run {} stopped: it is no longer this worker's to run", run.claim);
            } else {
                LOG.info("run {} ended {}{}", run.claim, outcome.resolution().name().toLowerCase(Locale.ROOT),
                        outcome.exceptionReason() == null ? "" : "/" + outcome.exceptionReason().wire());
            }
        } catch (RuntimeException e) {
            LOG.error("run {} broke out of its runner", run.claim, e);
        } finally {
            // the tasks it supersedes resolve superseded, or go back to the queue with it
            supersession.primaryEnded(outcome);
            // the reporter's live log has a flusher thread; a cancelled run never finishes its log
            closeQuietly(run.reporter, run.claim);
            run.finished = true;
            supervisor.unwatch(run);
            // given back here when the run broke out before its end (idempotent)
            slots.release(run);
            try {
                run.runner.removeContainer();
            } finally {
                slots.remove(run);
                // a look for leftovers made while this run was still active passed over its container: look again
                if (engineLost) orphansSuspected.set(true);
            }
        }
    }

    /** Reports a run exception/worker-shutdown so the queue schedules a retry run at once. */
    void handBack(WorkClaim claim, RunReporter reporter) {
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

    private static void closeQuietly(RunReporter reporter, WorkClaim claim) {
        if (reporter instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing the reporter of {}: {}", claim, e.toString());
            }
        }
    }
}
