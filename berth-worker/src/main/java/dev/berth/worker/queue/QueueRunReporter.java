package dev.berth.worker.queue;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.FailureLog;
import dev.berth.worker.retry.Retrying;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's reporter to a real queue. The live log artifact is created here, at once, as an upload
 * (s3) artifact; log chunks are appended to it by a {@link LiveLog} flusher, so a GET of the
 * artifact follows the task while it runs, and {@link #finishLog} marks it complete — with the
 * last batch, in one request, where the queue can. Artifacts are
 * streamed to their putUrl with a known length, never held in memory whole.
 *
 * <p>Every call that can be repeated safely (creating and finishing artifacts, the resolution) is
 * retried with backoff until it goes through, the queue answers finally (4xx), or the run's claim
 * ends ({@code deadline}, its takenUntil): a report is never given up while the queue is merely
 * away, since a run whose report is lost ends claim-expired and runs again. An artifact's bytes are
 * kept (memory, or a temporary file when large) so that its upload can be retried too.
 *
 * <p>{@link #close()} stops the flusher without sending more; the worker calls it after every run
 * (a cancelled run never reaches {@link #finishLog}).
 */
public final class QueueRunReporter implements RunReporter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueueRunReporter.class);

    public static final String LOG_CONTENT_TYPE = "text/plain; charset=utf-8";
    /** How long finishing the log waits for the chunks still queued, at least (longer while the claim lasts). */
    static final Duration LOG_FINISH_WAIT = Duration.ofSeconds(60);

    private static final Duration MAX_FINISH_WAIT = Duration.ofDays(1);

    private final RunCalls calls;
    private final String what;
    private final String logName;
    private final LiveLog liveLog;
    private final Retrying retrying;
    private final Supplier<Instant> deadline;
    private final FailureLog failures;

    /** A reporter that retries for as long as it takes (tests of the ordering). */
    public QueueRunReporter(RunCalls calls, String what, String logName, Instant expires) throws IOException {
        this(calls, what, logName, expires, new Retrying(Clock.systemUTC(), Retrying.Sleeper.REAL, Backoff.DEFAULT),
                () -> Instant.MAX, n -> { });
    }

    /**
     * Creates the log artifact {@code logName} (expiring with the task) before returning.
     *
     * @param what the run, for worker log lines
     * @param deadline when the run's claim ends (read again at every retry: reclaims move it)
     * @param liveLogDropped told of live log bytes given up
     */
    public QueueRunReporter(RunCalls calls, String what, String logName, Instant expires, Retrying retrying,
                            Supplier<Instant> deadline, LongConsumer liveLogDropped) throws IOException {
        this.calls = calls;
        this.what = what;
        this.logName = logName;
        this.retrying = retrying;
        this.deadline = deadline;
        this.failures = new FailureLog(LOG, "report or artifact call", retrying.clock());
        URI logUrl = retry(() -> calls.createAppendArtifact(logName, LOG_CONTENT_TYPE, expires));
        this.liveLog = new LiveLog(what, (offset, batch) -> calls.appendContent(logUrl, offset, batch),
                (offset, batch) -> calls.appendAndFinish(logUrl, offset, batch),
                retrying.clock(), LiveLog.SEND_BACKOFF, deadline, liveLogDropped);
    }

    private <T> T retry(Retrying.Call<T> call) throws IOException {
        return retrying.untilDeadline(what, failures, deadline, call);
    }

    private void retryVoid(VoidCall call) throws IOException {
        retry(() -> {
            call.run();
            return null;
        });
    }

    private interface VoidCall {
        void run() throws IOException;
    }

    @Override
    public void appendLog(byte[] chunk) {
        liveLog.append(chunk);
    }

    @Override
    public void holdLog() {
        liveLog.hold();
    }

    /**
     * The container's tar stream cannot be rewound, so an artifact's bytes are first kept where a
     * retry can read them again: in memory up to this size, in a temporary file beyond it.
     */
    static final long IN_MEMORY_ARTIFACT = 16L << 20;

    @Override
    public void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException {
        URI putUrl = retry(() -> calls.createUploadArtifact(name, contentType, expires));
        if (size <= IN_MEMORY_ARTIFACT) {
            byte[] bytes = content.readNBytes((int) size);
            if (bytes.length != size) throw new IOException("artifact " + name + " ended after " + bytes.length + " of " + size + " bytes");
            retryVoid(() -> calls.putContent(putUrl, contentType, size, new java.io.ByteArrayInputStream(bytes)));
        } else {
            java.nio.file.Path spool = java.nio.file.Files.createTempFile("berth-artifact-", ".part");
            try {
                try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(spool)) {
                    long copied = content.transferTo(new BoundedOutputStream(out, size));
                    if (copied < size) throw new IOException("artifact " + name + " ended after " + copied + " of " + size + " bytes");
                }
                retryVoid(() -> {
                    try (InputStream in = java.nio.file.Files.newInputStream(spool)) {
                        calls.putContent(putUrl, contentType, size, in);
                    }
                });
            } finally {
                java.nio.file.Files.deleteIfExists(spool);
            }
        }
        retryVoid(() -> calls.finishArtifact(name));
    }

    /** Takes at most {@code limit} bytes (the entry's size); the tar stream ends each entry by itself. */
    private static final class BoundedOutputStream extends java.io.FilterOutputStream {
        private long left;

        BoundedOutputStream(java.io.OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left <= 0) throw new IOException("more bytes than the artifact's size");
            out.write(b);
            left--;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > left) throw new IOException("more bytes than the artifact's size");
            out.write(b, off, len);
            left -= len;
        }
    }

    @Override
    public void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException {
        retryVoid(() -> calls.createErrorArtifact(name, reason, message, expires));
    }

    @Override
    public void finishLog(String name, Instant expires) throws IOException {
        if (!name.equals(logName)) {
            // both come from the payload's log field; a difference would be a bug, not a task's doing
            LOG.warn("log finished as {} but created as {}; keeping {}", name, logName, logName);
        }
        // while the queue is away the log waits for it as long as the claim lasts
        Instant now = retrying.clock().instant();
        Instant until = deadline.get();
        Duration wait = until.isAfter(now.plus(LOG_FINISH_WAIT)) ? Duration.between(now, until) : LOG_FINISH_WAIT;
        liveLog.finish(wait.compareTo(MAX_FINISH_WAIT) > 0 ? MAX_FINISH_WAIT : wait);
        if (!liveLog.finishedWithLastBatch()) retryVoid(() -> calls.finishArtifact(logName));
    }

    @Override
    public void reportCompleted() throws IOException {
        retryVoid(calls::reportCompleted);
    }

    @Override
    public void reportFailed() throws IOException {
        retryVoid(calls::reportFailed);
    }

    @Override
    public void reportException(ReasonResolved reason) throws IOException {
        retryVoid(() -> calls.reportException(reason));
    }

    @Override
    public void close() {
        liveLog.close();
    }
}
