package dev.berth.worker;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stopping a worker: no more claims, every running container killed and its run handed back
 * (exception/worker-shutdown, which the queue retries at once instead of waiting for the claim to
 * expire), all within a bounded time.
 *
 * <p>Order matters: the claim loop ends first, so that no claim poll is left to pick up the retry
 * runs the hand-backs create.
 */
final class WorkerShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerShutdown.class);

    private final RunSlots slots;
    private final ClaimLoop claimLoop;
    private final RunSupervisor supervisor;
    private final String workerId;

    WorkerShutdown(RunSlots slots, ClaimLoop claimLoop, RunSupervisor supervisor, String workerId) {
        this.slots = slots;
        this.claimLoop = claimLoop;
        this.supervisor = supervisor;
        this.workerId = workerId;
    }

    /** @return true when every run was handed back within {@code grace} */
    boolean run(Duration grace) {
        Instant until = Instant.now().plus(grace);
        // a run is either registered before this (and stopped below) or sees stopping and is handed back
        slots.stop();
        LOG.info("worker {} shutting down: {} run(s) to hand back", workerId, slots.running());
        claimLoop.stopAndJoin(Duration.between(Instant.now(), until));
        for (ActiveRun run : slots.active()) run.stop(ActiveRun.StopReason.WORKER_SHUTDOWN);
        boolean clean = true;
        for (ActiveRun run : slots.active()) {
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
        supervisor.close();
        LOG.info("worker {} stopped", workerId);
        return clean && slots.isEmpty();
    }
}
