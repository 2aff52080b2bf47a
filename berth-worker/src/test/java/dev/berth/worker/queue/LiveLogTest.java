package dev.berth.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LiveLogTest {

    private final List<byte[]> batches = new CopyOnWriteArrayList<>();

    /** The queue's side: keeps the batch, answers the size it would hold. */
    private long record(long offset, byte[] batch) {
        batches.add(batch);
        return offset < 0 ? -1 : offset + batch.length;
    }

    private String sent() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        batches.forEach(all::writeBytes);
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    void smallWritesGoOutTogetherSoonAfterTheFirst() {
        LiveLog log = new LiveLog("t", this::record);
        for (int i = 0; i < 100; i++) log.append(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(2)).until(() -> sent().contains("line 99\n"));
        // 100 tiny writes within a few ms: a handful of requests, not one each
        assertThat(batches.size()).isLessThan(10);
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100; i++) expected.append("line ").append(i).append('\n');
        assertThat(sent()).isEqualTo(expected.toString());
    }

    @Test
    void aLoneLineGoesOutByItselfWithoutWaitingForMore() {
        LiveLog log = new LiveLog("t", this::record);
        log.append("first\n".getBytes(StandardCharsets.UTF_8));
        // nothing else is appended until it has gone: it is not held back to gather a batch
        await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);
        log.append("second\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        assertThat(new String(batches.get(0), StandardCharsets.UTF_8)).isEqualTo("first\n");
        assertThat(sent()).isEqualTo("first\nsecond\n");
    }

    @Test
    void aSteadyTrickleIsSentAtMostOncePerSendInterval() throws Exception {
        LiveLog log = new LiveLog("t", this::record);
        long start = System.nanoTime();
        int lines = 0;
        while (System.nanoTime() - start < Duration.ofMillis(600).toNanos()) {
            log.append(("line " + lines++ + "\n").getBytes(StandardCharsets.UTF_8));
            Thread.sleep(2);
        }
        long elapsed = System.nanoTime() - start;
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        // one request per write would be ~300; the bound is one per interval (+1 for the first, +1 for the finish)
        long bound = elapsed / LiveLog.SEND_INTERVAL.toNanos() + 2;
        assertThat((long) batches.size()).isLessThanOrEqualTo(bound);
        assertThat(sent()).endsWith("line " + (lines - 1) + "\n");
    }

    @Test
    void aFullBatchGoesAtOnceAndOrderIsKept() {
        LiveLog log = new LiveLog("t", this::record);
        byte[] big = new byte[LiveLog.FLUSH_BYTES * 3];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        for (int from = 0; from < big.length; from += 1000) {
            log.append(java.util.Arrays.copyOfRange(big, from, Math.min(big.length, from + 1000)));
        }
        log.append("end\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        assertThat(sent()).isEqualTo(new String(big, StandardCharsets.UTF_8) + "end\n");
        assertThat(batches).allMatch(b -> b.length <= LiveLog.MAX_BATCH);
    }

    @Test
    void finishSendsWhatIsLeftAndLaterAppendsAreIgnored() {
        LiveLog log = new LiveLog("t", this::record);
        log.append("last words".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        log.append("after".getBytes(StandardCharsets.UTF_8));
        assertThat(sent()).isEqualTo("last words");
    }

    @Test
    void aFailedSendIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            if (calls.incrementAndGet() == 1) throw new IOException("connection reset");
            return record(offset, batch);
        });
        log.append("x\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        assertThat(sent()).isEqualTo("x\n");
    }

    @Test
    void closeDropsWhatIsPendingWithoutWaiting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return record(offset, batch);
        });
        log.append("first".getBytes(StandardCharsets.UTF_8));
        await().until(() -> log.pendingBytes() == 1); // the first batch is being sent, nothing queued
        log.append("second".getBytes(StandardCharsets.UTF_8));
        log.close();
        release.countDown();
        Thread.sleep(300);
        assertThat(sent()).isEqualTo("first");
    }

    @Test
    void appendsDoNotWaitLongForASlowQueue() {
        CountDownLatch release = new CountDownLatch(1);
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return record(offset, batch);
        });
        byte[] chunk = new byte[64 * 1024];
        long start = System.nanoTime();
        // well under MAX_PENDING: queued without waiting while the first send hangs
        for (int i = 0; i < 32; i++) log.append(chunk);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LiveLog.APPEND_WAIT);
        release.countDown();
        assertThat(log.finish(Duration.ofSeconds(10))).isTrue();
        assertThat(batches.stream().mapToInt(b -> b.length).sum()).isEqualTo(32 * 64 * 1024);
    }

    /** The queue is away for a while: nothing is dropped, everything arrives in order when it is back. */
    @Test
    void bytesWrittenWhileTheQueueIsAwayAreKeptAndDeliveredInOrderWhenItReturns() {
        java.util.concurrent.atomic.AtomicBoolean away = new java.util.concurrent.atomic.AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            if (away.get()) {
                failures.incrementAndGet();
                throw new java.net.ConnectException("connection refused");
            }
            return record(offset, batch);
        }, java.time.Clock.systemUTC(), new dev.berth.worker.retry.Backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
                () -> java.time.Instant.now().plusSeconds(600), dropped::addAndGet);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String line = "line " + i + "\n";
            expected.append(line);
            log.append(line.getBytes(StandardCharsets.UTF_8));
            if (i == 20) await().until(() -> failures.get() >= 5);
        }
        away.set(false);
        assertThat(log.finish(Duration.ofSeconds(10))).isTrue();
        assertThat(sent()).isEqualTo(expected.toString());
        assertThat(dropped).hasValue(0);
    }

    @Test
    void aLogTheQueueRefusesIsGivenUpAndCounted() {
        java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
        AtomicInteger attempts = new AtomicInteger();
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            attempts.incrementAndGet();
            throw new dev.berth.worker.retry.RefusedException(409, "run is resolved");
        }, java.time.Clock.systemUTC(), dev.berth.worker.retry.Backoff.DEFAULT,
                () -> java.time.Instant.now().plusSeconds(600), dropped::addAndGet);
        log.append("a\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();
        assertThat(attempts).hasValue(1);
        assertThat(dropped).hasValue(2);
    }

    /** Only when MAX_PENDING bytes wait for a queue that is away is output dropped: counted, WARNed once. */
    @Test
    void outputBeyondTheCapWhileTheQueueIsAwayIsCountedAndWarnedOnce() {
        try (dev.berth.worker.LogCapture warnings = new dev.berth.worker.LogCapture(LiveLog.class)) {
            java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
            LiveLog log = new LiveLog("t", (offset, batch) -> {
                throw new java.net.ConnectException("connection refused");
            }, java.time.Clock.systemUTC(), LiveLog.SEND_BACKOFF, () -> java.time.Instant.now().plusSeconds(600), dropped::addAndGet);
            byte[] chunk = new byte[1024 * 1024];
            for (int i = 0; i < LiveLog.MAX_PENDING / chunk.length + 1; i++) log.append(chunk); // one batch in flight, the rest wait
            log.append(chunk); // no room: waits APPEND_WAIT, then is dropped
            log.close();
            assertThat(dropped).hasValue(chunk.length);
            assertThat(warnings.at(ch.qos.logback.classic.Level.WARN, "output is dropped")).hasSize(1);
        }
    }

    /** A queue that appends by offset as the server does: stores only what it lacks, refuses a gap. */
    static final class OffsetQueue {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final List<Long> offsets = new CopyOnWriteArrayList<>();

        synchronized long append(long offset, byte[] batch) throws IOException {
            offsets.add(offset);
            int stored = offset < 0 ? 0 : dev.berth.core.store.BlobStore.newBytesFrom(offset, log.size(), batch.length);
            if (stored < 0) throw new dev.berth.worker.retry.RefusedException(409, "holds " + log.size() + " bytes, offset " + offset);
            log.write(batch, stored, batch.length - stored);
            return log.size();
        }

        synchronized String text() { return log.toString(StandardCharsets.UTF_8); }
    }

    /** The server stored the batch but its answer was lost (killed, connection cut): the resend is stored once. */
    @Test
    void aBatchStoredButUnansweredIsSentAgainAtItsOffsetAndNotDuplicated() {
        OffsetQueue queue = new OffsetQueue();
        AtomicInteger calls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            long size = queue.append(offset, batch);
            if (calls.incrementAndGet() == 1) throw new java.net.SocketException("connection reset (after the server stored it)");
            return size;
        }, java.time.Clock.systemUTC(), new dev.berth.worker.retry.Backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
                () -> java.time.Instant.now().plusSeconds(600), dropped::addAndGet);

        log.append("first line\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> queue.offsets.size() >= 2);
        log.append("second line\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();

        assertThat(queue.text()).isEqualTo("first line\nsecond line\n");
        assertThat(queue.offsets).containsExactly(0L, 0L, 11L);
        assertThat(dropped).hasValue(0);
    }

    /** After a batch is given up the queue may hold it or not: the next goes without an offset, the count follows the answer. */
    @Test
    void afterABatchIsGivenUpTheNextGoesWithoutAnOffsetAndTheCountFollowsTheQueuesAnswer() {
        OffsetQueue queue = new OffsetQueue();
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> deadline =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now().minusSeconds(1));
        java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
        LiveLog log = new LiveLog("t", (offset, batch) -> {
            long size = queue.append(offset, batch);
            if (failing.get()) throw new java.net.SocketException("connection reset (after the server stored it)");
            return size;
        }, java.time.Clock.systemUTC(), new dev.berth.worker.retry.Backoff(Duration.ofMillis(10), Duration.ofMillis(50)),
                deadline::get, dropped::addAndGet);

        log.append("given up\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped.get() == 9);
        failing.set(false);
        deadline.set(java.time.Instant.now().plusSeconds(600));
        log.append("next\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> queue.offsets.size() == 2);
        log.append("last\n".getBytes(StandardCharsets.UTF_8));
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();

        assertThat(queue.offsets).containsExactly(0L, -1L, 14L);
        assertThat(queue.text()).isEqualTo("given up\nnext\nlast\n");
    }

    @Test
    void afterHoldLinesWaitForTheFinishAndGoOutAsItsLastBatch() throws Exception {
        List<String> last = new CopyOnWriteArrayList<>();
        LiveLog log = new LiveLog("t", this::record, (offset, batch) -> {
            last.add(offset + ":" + new String(batch, StandardCharsets.UTF_8));
            return true;
        }, java.time.Clock.systemUTC(), LiveLog.SEND_BACKOFF, () -> java.time.Instant.MAX, n -> { });
        log.append("output\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> batches.size() == 1);

        log.hold();
        log.append("closing line\n".getBytes(StandardCharsets.UTF_8));
        // several send intervals pass: a held line is not sent on its own
        Thread.sleep(4 * LiveLog.SEND_INTERVAL.toMillis());
        assertThat(batches).hasSize(1);
        assertThat(log.finish(Duration.ofSeconds(5))).isTrue();

        assertThat(last).containsExactly("7:closing line\n");
        assertThat(log.finishedWithLastBatch()).isTrue();
    }
}
