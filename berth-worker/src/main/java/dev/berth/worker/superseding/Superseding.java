package dev.berth.worker.superseding;

import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Superseding (seed 002, {@code payload.supersederUrl}): for a claimed task whose payload names a superseder, the
 * worker asks it which tasks the claimed one belongs with, claims each listed task it does not hold (claimTask,
 * with its own credentials), and runs the highest-listed one whose claim succeeded: the primary. The others are
 * held until the primary is done ({@link Supersession}). A superseder that is down, slow or answers garbage means
 * the claimed task runs alone, with the reason in its log and at WARN.
 */
public final class Superseding {

    private static final Logger LOG = LoggerFactory.getLogger(Superseding.class);

    private final WorkQueue queue;
    private final SupersederClient superseder;
    private final String workerId;
    private final PayloadValidator validator = new PayloadValidator();

    public Superseding(WorkQueue queue, SupersederClient superseder, String workerId) {
        this.queue = queue;
        this.superseder = superseder;
        this.workerId = workerId;
    }

    /** The superseder URL of a claimed task whose payload is valid, else null (the runner reports a bad payload). */
    String supersederUrl(WorkClaim claim) {
        var payload = claim.run().task().payload();
        if (payload == null || !payload.path("supersederUrl").isTextual()) return null;
        PayloadValidator.Result checked = validator.validate(payload);
        return checked.valid() ? checked.payload().supersederUrl() : null;
    }

    /**
     * Decides what to run for the claimed {@code initial}: itself when its payload names no superseder, else the
     * primary of the tasks its superseder lists. Never throws; claims it made are held through {@code holder}.
     */
    public Supersession resolve(WorkClaim initial, ClaimHolder holder) {
        String url = supersederUrl(initial);
        if (url == null) return Supersession.alone(initial, List.of());
        List<String> listed;
        try {
            listed = superseder.supersedes(url, initial.taskId());
        } catch (SupersederClient.Unanswered e) {
            LOG.warn("run {}: the superseder at {} {}; running it alone", initial, url, e.getMessage());
            return Supersession.alone(initial, List.of("superseding: the superseder at " + url + " " + e.getMessage()
                    + "; this task runs alone"));
        } catch (InterruptedException e) {
            // only a stopping worker interrupts the claim thread; the run is then handed back at once, which needs
            // the thread free of the flag (so it is not set again here)
            LOG.warn("run {}: interrupted while asking the superseder at {}; running it alone", initial, url);
            return Supersession.alone(initial, List.of("superseding: interrupted while asking the superseder at " + url
                    + "; this task runs alone"));
        }

        Map<String, WorkClaim> claimed = new LinkedHashMap<>();
        claimed.put(initial.taskId(), initial);
        List<String> notClaimed = new ArrayList<>();
        for (String taskId : listed) {
            if (claimed.containsKey(taskId)) continue;
            if (Thread.currentThread().isInterrupted()) {
                notClaimed.add(taskId + " (the worker is stopping)");
                continue;
            }
            try {
                Optional<WorkClaim> claim = queue.claimTask(taskId);
                if (claim.isPresent()) claimed.put(taskId, claim.get());
                else notClaimed.add(taskId + " (no pending run)");
            } catch (IOException | RuntimeException e) {
                LOG.info("superseding for {}: could not claim {}: {}", initial, taskId, e.toString());
                notClaimed.add(taskId + " (" + e.getMessage() + ")");
            }
        }
        String primaryId = null;
        for (int i = listed.size() - 1; i >= 0 && primaryId == null; i--) {
            if (claimed.containsKey(listed.get(i))) primaryId = listed.get(i);
        }
        WorkClaim primary = claimed.get(primaryId);

        List<String> lines = new ArrayList<>();
        lines.add("superseding: the superseder at " + url + " lists " + listed.size() + " task(s) with " + initial.taskId()
                + "; worker " + workerId + " claimed " + claimed.size() + " of them"
                + (notClaimed.isEmpty() ? "" : " (not claimed: " + String.join(", ", notClaimed) + ")"));
        List<Supersession.Secondary> secondaries = new ArrayList<>();
        for (WorkClaim c : claimed.values()) {
            if (c == primary) continue;
            RunReporter reporter;
            try {
                reporter = queue.reporterFor(c);
            } catch (IOException | RuntimeException e) {
                // nothing can be reported for it: its claim expires and the queue retries it
                LOG.warn("superseding: cannot start reporting for {}; leaving it to expire: {}", c, e.toString());
                continue;
            }
            Supersession.append(reporter, "superseding: claimed by worker " + workerId + " (the superseder at " + url
                    + " lists it before " + primary.taskId() + "); " + primary + " runs in its place, and this run resolves "
                    + "exception/superseded once that one is done");
            secondaries.add(new Supersession.Secondary(c, reporter, holder.hold(c, reporter)));
        }
        if (secondaries.isEmpty()) {
            lines.add("superseding: nothing to supersede; " + primary + " runs alone");
        } else {
            lines.add("superseding: " + primary + " is the primary, the highest listed task claimed; it supersedes "
                    + String.join(", ", secondaries.stream().map(s -> s.claim().toString()).toList()));
        }
        LOG.info("superseding for {}: primary {}, superseding {}", initial, primary,
                secondaries.stream().map(s -> s.claim().toString()).toList());
        return new Supersession(primary, lines, secondaries);
    }
}
