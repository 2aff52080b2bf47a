package dev.berth.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.task.ReasonResolved;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class QueueRunReporterTest {

    /** Records the calls in order; "content" holds what reached each putUrl. */
    static class RecordingCalls implements RunCalls {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Map<String, ByteArrayOutputStream> content = new ConcurrentHashMap<>();
        final List<Long> offsets = new CopyOnWriteArrayList<>();

        @Override
        public URI createUploadArtifact(String name, String contentType, Instant expires) {
            calls.add("create " + name + " (" + contentType + ")");
            content.put(name, new ByteArrayOutputStream());
            return URI.create("http://queue.test/artifact-content/" + name);
        }

        @Override
        public void createErrorArtifact(String name, String reason, String message, Instant expires) {
            calls.add("error " + name + " " + reason);
        }

        @Override
        public void finishArtifact(String name) {
            calls.add("finish " + name);
        }

        /** Stores by offset as the server does (only what the artifact lacks); answers the size. */
        @Override
        public long appendContent(URI putUrl, long offset, byte[] bytes) throws java.io.IOException {
            calls.add("append");
            offsets.add(offset);
            ByteArrayOutputStream log = content.get(nameOf(putUrl));
            synchronized (log) {
                int stored = offset < 0 ? 0 : dev.berth.core.store.BlobStore.newBytesFrom(offset, log.size(), bytes.length);
                if (stored < 0) throw new dev.berth.worker.retry.RefusedException(409, "bytes missing before offset " + offset);
                log.write(bytes, stored, bytes.length - stored);
                return log.size();
            }
        }

        @Override
        public void putContent(URI putUrl, String contentType, long size, InputStream in) throws java.io.IOException {
            byte[] all = in.readNBytes((int) size);
            calls.add("put " + nameOf(putUrl) + " " + size);
            content.get(nameOf(putUrl)).writeBytes(all);
        }

        @Override
        public void reportCompleted() { calls.add("completed"); }

        @Override
        public void reportFailed() { calls.add("failed"); }

        @Override
        public void reportException(ReasonResolved reason) { calls.add("exception " + reason.wire()); }

        private static String nameOf(URI url) {
            return url.getPath().substring("/artifact-content/".length());
        }

        String text(String name) {
            return content.get(name).toString(StandardCharsets.UTF_8);
        }
    }

    private final RecordingCalls calls = new RecordingCalls();
    private final Instant expires = Instant.now().plusSeconds(3600);

    @Test
    void theLogIsCreatedAtOnceStreamedAndFinishedBeforeTheResolution() throws Exception {
        QueueRunReporter reporter = new QueueRunReporter(calls, "t/0", "public/logs/live.log", expires);
        assertThat(calls.calls).containsExactly("create public/logs/live.log (text/plain; charset=utf-8)");

        reporter.appendLog("hi\n".getBytes(StandardCharsets.UTF_8));
        reporter.appendLog("there\n".getBytes(StandardCharsets.UTF_8));
        reporter.finishLog("public/logs/live.log", expires);
        reporter.reportFailed();
        reporter.close();

        assertThat(calls.text("public/logs/live.log")).isEqualTo("hi\nthere\n");
        List<String> tail = calls.calls.subList(calls.calls.size() - 2, calls.calls.size());
        assertThat(tail).containsExactly("finish public/logs/live.log", "failed");
        assertThat(calls.calls.indexOf("append")).isLessThan(calls.calls.indexOf("finish public/logs/live.log"));
    }

    /** The first POST of the log reaches the server, which stores it, but the answer is lost. */
    @Test
    void aLogBatchStoredButUnansweredIsSentAgainAndAppearsOnce() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean answerLost = new java.util.concurrent.atomic.AtomicBoolean(true);
        RecordingCalls lossy = new RecordingCalls() {
            @Override
            public long appendContent(URI putUrl, long offset, byte[] bytes) throws java.io.IOException {
                long size = super.appendContent(putUrl, offset, bytes);
                if (answerLost.getAndSet(false)) throw new java.net.SocketException("connection reset (the server was killed)");
                return size;
            }
        };
        QueueRunReporter reporter = new QueueRunReporter(lossy, "t/0", "public/logs/live.log", expires);

        reporter.appendLog("line one\n".getBytes(StandardCharsets.UTF_8));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> lossy.offsets.size() >= 2);
        reporter.appendLog("line two\n".getBytes(StandardCharsets.UTF_8));
        reporter.finishLog("public/logs/live.log", expires);
        reporter.reportCompleted();
        reporter.close();

        assertThat(lossy.text("public/logs/live.log")).isEqualTo("line one\nline two\n");
        assertThat(lossy.offsets).containsExactly(0L, 0L, 9L);
    }

    @Test
    void artifactsAreCreatedStreamedAndFinished() throws Exception {
        QueueRunReporter reporter = new QueueRunReporter(calls, "t/0", "public/logs/live.log", expires);
        byte[] data = "0123456789".getBytes(StandardCharsets.UTF_8);
        // a window on a larger stream: exactly size bytes are read, the rest stays
        ByteArrayInputStream larger = new ByteArrayInputStream("0123456789rest".getBytes(StandardCharsets.UTF_8));
        reporter.uploadArtifact("public/out.txt", "text/plain", expires, data.length, larger);
        reporter.createErrorArtifact("public/missing", "file-missing-on-worker", "no such file", expires);
        reporter.close();

        assertThat(calls.calls).containsSubsequence("create public/out.txt (text/plain)", "put public/out.txt 10",
                "finish public/out.txt", "error public/missing file-missing-on-worker");
        assertThat(calls.text("public/out.txt")).isEqualTo("0123456789");
        assertThat(larger.available()).isEqualTo(4);
    }

    /** The queue is away: the report fails until {@code back}; waiting moves a settable clock. */
    @Test
    void aReportIsRetriedUntilTheQueueTakesItAndNeverDroppedWhileTheClaimLasts() throws Exception {
        dev.berth.testing.MutableClock clock = new dev.berth.testing.MutableClock();
        Instant takenUntil = clock.instant().plus(java.time.Duration.ofMinutes(20));
        Instant back = clock.instant().plus(java.time.Duration.ofSeconds(30));
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        RecordingCalls away = new RecordingCalls() {
            @Override
            public void reportCompleted() {
                attempts.incrementAndGet();
                if (clock.instant().isBefore(back)) throw new java.io.UncheckedIOException(new java.net.ConnectException("refused"));
                super.reportCompleted();
            }
        };
        dev.berth.worker.retry.Retrying retrying = new dev.berth.worker.retry.Retrying(clock, clock::advance,
                dev.berth.worker.retry.Backoff.DEFAULT);
        QueueRunReporter reporter = new QueueRunReporter(away, "t/0", "public/logs/live.log", expires, retrying,
                () -> takenUntil, n -> { });
        reporter.finishLog("public/logs/live.log", expires);
        reporter.reportCompleted();
        reporter.close();

        assertThat(away.calls).endsWith("completed");
        assertThat(attempts.get()).isGreaterThan(3);
        assertThat(clock.instant()).isAfterOrEqualTo(back).isBefore(takenUntil);
    }

    @Test
    void aReportTheQueueRefusesIsNotRepeated() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        RecordingCalls refusing = new RecordingCalls() {
            @Override
            public void reportFailed() {
                attempts.incrementAndGet();
                throw new dev.berth.client.BerthApiException(409, "RequestConflict", "run 0 is resolved", "POST", "u");
            }
        };
        QueueRunReporter reporter = new QueueRunReporter(refusing, "t/0", "public/logs/live.log", expires);
        org.assertj.core.api.Assertions.assertThatThrownBy(reporter::reportFailed).hasMessageContaining("409");
        reporter.close();
        assertThat(attempts).hasValue(1);
    }

    @Test
    void anArtifactUploadThatBreaksOffIsSentAgainWhole() throws Exception {
        java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();
        RecordingCalls flaky = new RecordingCalls() {
            @Override
            public void putContent(URI putUrl, String contentType, long size, InputStream in) throws java.io.IOException {
                if (puts.incrementAndGet() == 1) {
                    in.readNBytes(3);
                    throw new java.io.IOException("connection reset by peer");
                }
                super.putContent(putUrl, contentType, size, in);
            }
        };
        QueueRunReporter reporter = new QueueRunReporter(flaky, "t/0", "public/logs/live.log", expires);
        byte[] body = "the whole artifact".getBytes(StandardCharsets.UTF_8);
        reporter.uploadArtifact("public/out.txt", "text/plain", expires, body.length, new ByteArrayInputStream(body));
        reporter.close();
        assertThat(puts).hasValue(2);
        assertThat(flaky.text("public/out.txt")).isEqualTo("the whole artifact");
        assertThat(flaky.calls).containsSubsequence("put public/out.txt " + body.length, "finish public/out.txt");
    }

    /** A queue that finishes the artifact with the last batch ({@code ?finish=true}). */
    static class FinishingCalls extends RecordingCalls {
        @Override
        public boolean appendAndFinish(URI putUrl, long offset, byte[] bytes) throws java.io.IOException {
            appendContent(putUrl, offset, bytes);
            calls.add("finished with the last batch");
            return true;
        }
    }

    @Test
    void theWorkersClosingLinesGoOutWithTheFinishInOneRequest() throws Exception {
        FinishingCalls finishing = new FinishingCalls();
        QueueRunReporter reporter = new QueueRunReporter(finishing, "t/0", "public/logs/live.log", expires);
        reporter.appendLog("output\n".getBytes(StandardCharsets.UTF_8));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> finishing.calls.contains("append"));

        reporter.holdLog();
        reporter.appendLog("exit code 0\n".getBytes(StandardCharsets.UTF_8));
        reporter.finishLog("public/logs/live.log", expires);
        reporter.reportCompleted();
        reporter.close();

        assertThat(finishing.text("public/logs/live.log")).isEqualTo("output\nexit code 0\n");
        // one append for the output, then the closing line and the finish together; no finishArtifact call
        assertThat(finishing.calls).containsExactly("create public/logs/live.log (text/plain; charset=utf-8)",
                "append", "append", "finished with the last batch", "completed");
        assertThat(finishing.offsets).containsExactly(0L, 7L);
    }

    @Test
    void aQueueThatOnlyAppendsTheLastBatchStillHasTheLogFinished() throws Exception {
        // RecordingCalls keeps RunCalls' default: the batch appended, the artifact not finished by it
        QueueRunReporter reporter = new QueueRunReporter(calls, "t/0", "public/logs/live.log", expires);
        reporter.holdLog();
        reporter.appendLog("exit code 0\n".getBytes(StandardCharsets.UTF_8));
        reporter.finishLog("public/logs/live.log", expires);
        reporter.reportCompleted();
        reporter.close();

        assertThat(calls.text("public/logs/live.log")).isEqualTo("exit code 0\n");
        assertThat(calls.calls).endsWith("append", "finish public/logs/live.log", "completed");
    }
}
