package dev.berth.worker.queue;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's reporter to a real queue. The live log artifact is created here, at once, as an upload
 * (s3) artifact; log chunks are appended to it by a {@link LiveLog} flusher, so a GET of the
 * artifact follows the task while it runs, and {@link #finishLog} marks it complete. Artifacts are
 * streamed to their putUrl with a known length, never held in memory whole.
 *
 * <p>{@link #close()} stops the flusher without sending more; the worker calls it after every run
 * (a cancelled run never reaches {@link #finishLog}).
 */
public final class QueueRunReporter implements RunReporter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueueRunReporter.class);

    public static final String LOG_CONTENT_TYPE = "text/plain; charset=utf-8";
    /** How long finishing the log may wait for the chunks still queued. */
    static final Duration LOG_FINISH_WAIT = Duration.ofSeconds(60);

    private final RunCalls calls;
    private final String logName;
    private final LiveLog liveLog;

    /**
     * Creates the log artifact {@code logName} (expiring with the task) before returning.
     *
     * @param what the run, for worker log lines
     */
    public QueueRunReporter(RunCalls calls, String what, String logName, Instant expires) throws IOException {
        this.calls = calls;
        this.logName = logName;
        URI logUrl = calls.createAppendArtifact(logName, LOG_CONTENT_TYPE, expires);
        this.liveLog = new LiveLog(what, batch -> calls.appendContent(logUrl, batch));
    }

    @Override
    public void appendLog(byte[] chunk) {
        liveLog.append(chunk);
    }

    @Override
    public void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException {
        URI putUrl = calls.createUploadArtifact(name, contentType, expires);
        calls.putContent(putUrl, contentType, size, content);
        calls.finishArtifact(name);
    }

    @Override
    public void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException {
        calls.createErrorArtifact(name, reason, message, expires);
    }

    @Override
    public void finishLog(String name, Instant expires) throws IOException {
        if (!name.equals(logName)) {
            // both come from the payload's log field; a difference would be a bug, not a task's doing
            LOG.warn("log finished as {} but created as {}; keeping {}", name, logName, logName);
        }
        liveLog.finish(LOG_FINISH_WAIT);
        calls.finishArtifact(logName);
    }

    @Override
    public void reportCompleted() throws IOException {
        calls.reportCompleted();
    }

    @Override
    public void reportFailed() throws IOException {
        calls.reportFailed();
    }

    @Override
    public void reportException(ReasonResolved reason) throws IOException {
        calls.reportException(reason);
    }

    @Override
    public void close() {
        liveLog.close();
    }
}
