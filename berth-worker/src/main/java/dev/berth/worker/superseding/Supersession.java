package dev.berth.worker.superseding;

import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.queue.TaskLogName;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.run.RunOutcome;
import dev.berth.worker.run.RunReporter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What superseding made of one claimed task: the run to execute (the primary) and the other claimed runs it
 * supersedes (the secondaries), held meanwhile. When the primary is done the secondaries resolve
 * exception/superseded with {@code public/superseded-by.json}, and the primary gets {@code public/supersedes.json};
 * when it is not (an exception, cancelled, the worker stopping), they go back to the queue as worker-shutdown.
 * A task without a superseder, or whose superseder did not answer usefully, is its own primary and has none.
 */
public final class Supersession {

    private static final Logger LOG = LoggerFactory.getLogger(Supersession.class);

    public static final String SUPERSEDED_BY = "public/superseded-by.json";
    public static final String SUPERSEDES = "public/supersedes.json";

    /** A claimed secondary, its log and its hold. */
    record Secondary(WorkClaim claim, RunReporter reporter, ClaimHolder.Held held) {}

    private final WorkClaim primary;
    private final List<String> primaryLog;
    private final List<Secondary> secondaries;
    private RunReporter primaryReporter;
    private boolean ended;

    Supersession(WorkClaim primary, List<String> primaryLog, List<Secondary> secondaries) {
        this.primary = primary;
        this.primaryLog = List.copyOf(primaryLog);
        this.secondaries = List.copyOf(secondaries);
    }

    /** The claimed task runs alone; {@code lines} (maybe none) say why in its log. */
    public static Supersession alone(WorkClaim claim, List<String> lines) {
        return new Supersession(claim, lines, List.of());
    }

    /** The run to execute. */
    public WorkClaim primary() {
        return primary;
    }

    /** The runs the primary supersedes, as {@code taskId/runId}. */
    public List<String> secondaries() {
        return secondaries.stream().map(s -> s.claim().toString()).toList();
    }

    /** The primary's reporter is made: the superseding lines go first into its log. */
    public synchronized void primaryStarts(RunReporter reporter) {
        this.primaryReporter = reporter;
        for (String line : primaryLog) append(reporter, line);
    }

    /**
     * Just before the primary is reported: when it is done, it gets {@code public/supersedes.json} listing the
     * secondaries still held.
     */
    public synchronized void beforePrimaryReport(RunOutcome outcome) {
        if (secondaries.isEmpty() || !done(outcome) || primaryReporter == null) return;
        List<Map<String, Object>> list = new ArrayList<>();
        for (Secondary s : secondaries) {
            if (!s.held().gone()) list.add(ref(s.claim()));
        }
        try {
            upload(primaryReporter, primary, SUPERSEDES, list);
            append(primaryReporter, "supersedes " + list.size() + " task(s), each resolved exception/superseded ("
                    + SUPERSEDES + ")");
        } catch (IOException | RuntimeException e) {
            LOG.warn("run {}: could not upload {}: {}", primary, SUPERSEDES, e.toString());
            append(primaryReporter, SUPERSEDES + " could not be uploaded: " + e.getMessage());
        }
    }

    /**
     * The primary's thread is over ({@code outcome} null when it broke out of its runner): a primary that is
     * done supersedes the others; otherwise they are handed back.
     */
    public void primaryEnded(RunOutcome outcome) {
        if (outcome != null && done(outcome)) {
            resolveSuperseded();
        } else {
            handBack(outcome == null ? "the run of " + primary + " broke off inside the worker"
                    : outcome.resolution() == RunOutcome.Resolution.CANCELLED
                    ? primary + " was stopped before it was done (the worker is stopping, or the queue took it back)"
                    : primary + " ended exception/" + outcome.exceptionReason().wire() + ", which decides nothing for the others");
        }
    }

    /** The secondaries go back to the queue (exception/worker-shutdown, retried at once). Idempotent. */
    public void handBack(String why) {
        List<Secondary> toResolve = takeAll();
        for (Secondary s : toResolve) {
            if (s.held().gone()) {
                closeQuietly(s);
                continue;
            }
            try {
                append(s.reporter(), "handed back to the queue (exception/worker-shutdown): " + why);
                s.reporter().finishLog(TaskLogName.of(s.claim().run().task()), s.claim().run().task().expires());
                s.reporter().reportException(ReasonResolved.WORKER_SHUTDOWN);
                LOG.info("superseded run {} handed back: {}", s.claim(), why);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not hand back {}; the queue resolves it when its claim expires: {}", s.claim(), e.toString());
            } finally {
                closeQuietly(s);
            }
        }
    }

    private void resolveSuperseded() {
        List<Secondary> toResolve = takeAll();
        Map<String, Object> by = ref(primary);
        for (Secondary s : toResolve) {
            if (s.held().gone()) {
                LOG.info("run {} is no longer this worker's (cancelled or resolved): not resolved as superseded", s.claim());
                closeQuietly(s);
                continue;
            }
            try {
                upload(s.reporter(), s.claim(), SUPERSEDED_BY, by);
                append(s.reporter(), "superseded by " + primary + ", which is done: exception/superseded (" + SUPERSEDED_BY + ")");
                s.reporter().finishLog(TaskLogName.of(s.claim().run().task()), s.claim().run().task().expires());
                s.reporter().reportException(ReasonResolved.SUPERSEDED);
                LOG.info("run {} resolved exception/superseded by {}", s.claim(), primary);
            } catch (IOException | RuntimeException e) {
                // the claim expires and the queue retries it: nothing is lost but time
                LOG.warn("could not resolve {} as superseded by {}: {}", s.claim(), primary, e.toString());
            } finally {
                closeQuietly(s);
            }
        }
    }

    /** The secondaries not yet resolved, no longer held; none after the first call. */
    private synchronized List<Secondary> takeAll() {
        if (ended) return List.of();
        ended = true;
        for (Secondary s : secondaries) s.held().release();
        return secondaries;
    }

    /**
     * Done: the primary ran to a verdict (completed or failed), which stands for the tasks it supersedes. After an
     * exception (malformed payload, a fault of the worker or host, handed back) or a cancel it gave none, and the
     * others go back to the queue to be run (or superseded) again.
     */
    static boolean done(RunOutcome outcome) {
        return outcome.resolution() == RunOutcome.Resolution.COMPLETED || outcome.resolution() == RunOutcome.Resolution.FAILED;
    }

    static Map<String, Object> ref(WorkClaim claim) {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("taskId", claim.taskId());
        ref.put("runId", claim.runId());
        return ref;
    }

    private static void upload(RunReporter reporter, WorkClaim claim, String name, Object content) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(content);
        reporter.uploadArtifact(name, "application/json", claim.run().task().expires(), bytes.length, new ByteArrayInputStream(bytes));
    }

    static void append(RunReporter reporter, String line) {
        try {
            reporter.appendLog(("[berth] " + line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.warn("could not append to a task log: {}", e.toString());
        }
    }

    private static void closeQuietly(Secondary s) {
        if (s.reporter() instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing the reporter of {}: {}", s.claim(), e.toString());
            }
        }
    }
}
