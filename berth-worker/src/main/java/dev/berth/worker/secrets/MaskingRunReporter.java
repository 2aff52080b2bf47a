package dev.berth.worker.secrets;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A run's reporter with its secrets masked: the task log goes through a {@link SecretMasker} (so a
 * value split across output chunks is caught too; the held-back tail is released before the log is
 * finished), and the messages of error artifacts the worker writes are masked as well. Artifacts
 * the task itself produced pass unchanged: they are the task's files, not the worker's writing.
 *
 * <p>Values are added as they become known: the worker's own (configured) secrets at once, the
 * decrypted {@code encryptedEnv} values before the container starts.
 */
public final class MaskingRunReporter implements RunReporter {

    private final RunReporter delegate;
    private final SecretMasker masker = new SecretMasker();
    private final List<String> values = new ArrayList<>();

    public MaskingRunReporter(RunReporter delegate, Collection<String> values) {
        this.delegate = delegate;
        addSecrets(values);
    }

    public synchronized void addSecrets(Collection<String> more) {
        for (String v : more) {
            if (v == null || v.isEmpty() || values.contains(v)) continue;
            values.add(v);
            masker.add(v);
        }
    }

    /** Masks {@code text} with every value known so far. */
    public synchronized String mask(String text) {
        return SecretMasker.mask(text, values);
    }

    /** Under the lock to the end, so that chunks reach the log in the order they were masked. */
    @Override
    public synchronized void appendLog(byte[] chunk) {
        byte[] out = masker.write(chunk);
        if (out.length > 0) delegate.appendLog(out);
    }

    @Override
    public void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException {
        delegate.uploadArtifact(name, contentType, expires, size, content);
    }

    @Override
    public void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException {
        delegate.createErrorArtifact(name, reason, mask(message), expires);
    }

    @Override
    public void holdLog() {
        delegate.holdLog();
    }

    @Override
    public void finishLog(String name, Instant expires) throws IOException {
        synchronized (this) {
            byte[] tail = masker.flush();
            if (tail.length > 0) delegate.appendLog(tail);
        }
        delegate.finishLog(name, expires);
    }

    @Override
    public void reportCompleted() throws IOException {
        delegate.reportCompleted();
    }

    @Override
    public void reportFailed() throws IOException {
        delegate.reportFailed();
    }

    @Override
    public void reportException(ReasonResolved reason) throws IOException {
        delegate.reportException(reason);
    }
}
