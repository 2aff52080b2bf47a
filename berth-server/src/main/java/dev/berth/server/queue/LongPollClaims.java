package dev.berth.server.queue;

import dev.berth.core.BerthException;
import dev.berth.core.queue.Claim;
import dev.berth.core.queue.QueueService;
import dev.berth.core.task.ReasonResolved;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * claimWork's long poll for a client that may go away while it waits: nothing is claimed once its
 * connection is closed, and a claim made in the moment it closed is handed back at once
 * (exception/worker-shutdown, which the queue retries) instead of waiting for the claim to expire.
 */
final class LongPollClaims {

    private static final Logger log = LoggerFactory.getLogger(LongPollClaims.class);

    private LongPollClaims() {}

    static List<Claim> claimWork(QueueService queue, Context ctx, String taskQueueId, String workerGroup, String workerId,
            int max, Duration wait) throws InterruptedException {
        ClientConnection connection = ClientConnection.of(ctx);
        List<Claim> claims = queue.claimWork(taskQueueId, workerGroup, workerId, max, wait, connection::open);
        if (claims.isEmpty() || connection.open()) return claims;
        for (Claim c : claims) {
            try {
                queue.reportException(c.taskId(), c.runId(), ReasonResolved.WORKER_SHUTDOWN);
                log.info("worker {}/{} went away during its claimWork; handed {}/{} back", workerGroup, workerId,
                        c.taskId(), c.runId());
            } catch (BerthException e) {
                log.warn("worker {}/{} went away during its claimWork; cannot hand {}/{} back ({}); its claim will expire",
                        workerGroup, workerId, c.taskId(), c.runId(), e.getMessage());
            }
        }
        return List.of();
    }
}
