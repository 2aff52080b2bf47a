package dev.berth.worker.run;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task log as the runner writes it: the container's output, as it comes, interleaved with the
 * worker's own lines (prefixed {@code [berth]}). Writes are serialised because output arrives on the
 * runtime's thread while the runner writes from its own. Once muted (cancellation), nothing more
 * reaches the reporter.
 */
final class TaskLog {

    private static final Logger LOG = LoggerFactory.getLogger(TaskLog.class);

    static final String PREFIX = "[berth] ";
    /** Upper bound of one appended chunk: keeps each request to the queue small and the log live. */
    static final int MAX_CHUNK = 64 * 1024;

    private final RunReporter reporter;
    private volatile boolean muted;
    /** Whether the last byte written ended a line, so a worker line never glues onto task output. */
    private boolean atLineStart = true;

    TaskLog(RunReporter reporter) {
        this.reporter = reporter;
    }

    /** A line from the worker. */
    synchronized void worker(String line) {
        StringBuilder text = new StringBuilder();
        if (!atLineStart) text.append('\n');
        text.append(PREFIX).append(line).append('\n');
        output(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes from the container, passed on in chunks of at most {@link #MAX_CHUNK}. */
    synchronized void output(byte[] bytes) {
        if (muted || bytes.length == 0) return;
        try {
            for (int from = 0; from < bytes.length; from += MAX_CHUNK) {
                int to = Math.min(bytes.length, from + MAX_CHUNK);
                reporter.appendLog(from == 0 && to == bytes.length ? bytes : Arrays.copyOfRange(bytes, from, to));
            }
        } catch (RuntimeException e) {
            // a lost log chunk must not stop the task or break the engine's output stream mid-run
            LOG.warn("could not append to the task log: {}", e.toString());
        }
        atLineStart = bytes[bytes.length - 1] == '\n';
    }

    void mute() {
        muted = true;
    }
}
