package dev.berth.worker;

import dev.berth.worker.queue.ReclaimResult;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.FailureLog;
import dev.berth.worker.retry.FinalAnswer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the runs in progress: holds their claims and stops those the queue no longer wants run.
 *
 * <ul>
 *   <li>Reclaims each run at half its remaining claim, {@code (takenUntil − now) / 2}: a missed
 *       reclaim (queue briefly unreachable) still leaves time for more before the claim expires. A
 *       failed reclaim is retried with backoff, never later than half of what is then left. A
 *       reclaim answered "gone" (409) stops the container; nothing is uploaded or reported.
 *   <li>Fast cancellation: every {@link Worker.Timing#statusPoll} (1 s by default) the run's status
 *       is asked of the queue (signed with the run's credentials, which hold
 *       {@code queue:status:<taskId>}), and a run no longer running is stopped like a "gone" reclaim.
 *       Reclaims come only every several minutes, and cancelTask should stop a container within
 *       seconds; a status poll is one cheap GET. A poll that fails never stops the container: the
 *       next one comes after a backoff.
 * </ul>
 *
 * <p>Failures are logged through one {@link FailureLog} per kind of call, so an outage of the
 * queue is one WARN, a summary a minute, and an INFO when it is over — not a line per run per second.
 */
final class RunSupervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunSupervisor.class);

    private final WorkQueue queue;
    private final Worker.Timing timing;
    private final Clock clock;
    private final WorkerCounters counters;
    private final ScheduledExecutorService scheduler;
    private final FailureLog reclaimFailures;
    private final FailureLog statusFailures;
    private final Backoff reclaimBackoff;
    private final Backoff statusBackoff;

    RunSupervisor(WorkQueue queue, Worker.Timing timing, Clock clock, WorkerCounters counters) {
        this.queue = queue;
        this.timing = timing;
        this.clock = clock;
        this.counters = counters;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "berth-worker-supervisor");
            t.setDaemon(true);
            return t;
        });
        this.reclaimFailures = new FailureLog(LOG, "reclaim", clock);
        this.statusFailures = new FailureLog(LOG, "status poll", clock);
        this.reclaimBackoff = new Backoff(timing.minReclaimDelay(), max(timing.minReclaimDelay(), timing.maxBackoff()));
        this.statusBackoff = new Backoff(timing.statusPoll(), max(timing.statusPoll(), timing.maxBackoff()));
    }

    /** Starts holding the claim of {@code run} and polling its status. */
    void watch(ActiveRun run) {
        scheduleReclaim(run, 0);
        scheduleStatusPoll(run, timing.statusPoll(), 0);
    }

    /** The run ended: nothing more is scheduled for it. */
    void unwatch(ActiveRun run) {
        if (run.reclaim != null) run.reclaim.cancel(false);
        if (run.statusPoll != null) run.statusPoll.cancel(false);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    // ---------------------------------------------------------------- reclaim

    private void scheduleReclaim(ActiveRun run, int failures) {
        if (run.done() || scheduler.isShutdown()) return;
        long delay = reclaimDelay(Duration.between(clock.instant(), run.claim.takenUntil()), failures).toMillis();
        try {
            run.reclaim = scheduler.schedule(() -> reclaim(run, failures), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /**
     * When to reclaim, given what is left of the claim: at half of it, or — after {@code failures}
     * failed attempts in a row — after the backoff, but never later than half of what is left, so
     * a queue that returns before the claim ends always gets another reclaim in time.
     */
    Duration reclaimDelay(Duration left, int failures) {
        long halfLeft = left.toMillis() / 2;
        long delay = failures == 0 ? halfLeft : Math.min(halfLeft, reclaimBackoff.after(failures).toMillis());
        return Duration.ofMillis(Math.max(timing.minReclaimDelay().toMillis(), delay));
    }

    private void reclaim(ActiveRun run, int failuresBefore) {
        if (run.done()) return;
        try {
            ReclaimResult result = queue.reclaim(run.claim);
            reclaimFailures.succeeded(run.claim);
            switch (result) {
                case ReclaimResult.Renewed renewed -> {
                    LOG.debug("reclaimed {} until {}", run.claim, renewed.takenUntil());
                    scheduleReclaim(run, 0);
                }
                case ReclaimResult.Gone gone -> {
                    LOG.info("reclaim of {} refused ({}): stopping its container", run.claim, gone.why());
                    run.stop(ActiveRun.StopReason.RUN_GONE);
                }
            }
        } catch (IOException | RuntimeException e) {
            counters.reclaimFailures.increment();
            if (FinalAnswer.isFinal(e)) {
                // e.g. 403: the run's credentials no longer cover it; the status poll or the claim's
                // end settles the run, retrying the same request will not
                LOG.warn("reclaim of {} refused: {}", run.claim, e.toString());
                return;
            }
            // the claim has not expired yet; a queue that stays away until it does means the run is
            // lost anyway (it ends claim-expired)
            reclaimFailures.failed(run.claim, e, "retrying before the claim ends at " + run.claim.takenUntil());
            scheduleReclaim(run, failuresBefore + 1);
        }
    }

    // ---------------------------------------------------------------- status

    private void scheduleStatusPoll(ActiveRun run, Duration delay, int failures) {
        if (run.done() || scheduler.isShutdown()) return;
        try {
            run.statusPoll = scheduler.schedule(() -> pollStatus(run, failures), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    private void pollStatus(ActiveRun run, int failuresBefore) {
        if (run.done()) return;
        try {
            boolean running = queue.isStillRunning(run.claim);
            statusFailures.succeeded(run.claim);
            if (!running) {
                LOG.info("run {} is no longer running on the queue (cancelled or resolved): stopping its container", run.claim);
                run.stop(ActiveRun.StopReason.RUN_GONE);
                return;
            }
            scheduleStatusPoll(run, timing.statusPoll(), 0);
        } catch (IOException | RuntimeException e) {
            // unknown is not "gone": the container keeps running, and the poll comes back after a pause
            counters.statusPollFailures.increment();
            Duration pause = statusBackoff.after(failuresBefore + 1);
            statusFailures.failed(run.claim, e, "the container keeps running; next poll in " + pause.toMillis() + "ms");
            scheduleStatusPoll(run, pause, failuresBefore + 1);
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
