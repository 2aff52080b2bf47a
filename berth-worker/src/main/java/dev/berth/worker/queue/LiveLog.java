package dev.berth.worker.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.FailureLog;
import dev.berth.worker.retry.FinalAnswer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task log on its way to the queue: chunks are queued by {@link #append} (the container's
 * output reader must not wait on the network) and sent, in order, by one background flusher: output
 * goes out as soon as it arrives, but at most one request per {@link #SEND_INTERVAL} (what arrives
 * meanwhile gathers into the next batch; {@link #FLUSH_BYTES} go out at once). So a viewer sees a
 * line within the time of one request after it was written, and a chatty task costs at most
 * {@code 1 s / SEND_INTERVAL} requests per second (20), not one per write.
 *
 * <p>Memory is bounded: at most {@link #MAX_PENDING} bytes wait. When the queue cannot keep up, an
 * append waits up to {@link #APPEND_WAIT} for room and then drops its chunk; the log then says how
 * much was lost instead of the worker running out of memory or the task stalling on its output
 * (a WARN in the worker log says so too, and the bytes are counted).
 *
 * <p>A batch the queue cannot take now (unreachable, 5xx) is kept and sent again with backoff until
 * it goes through, the run's claim ends ({@code deadline}) or the queue answers finally (4xx: the run
 * is gone). Meanwhile new output gathers behind it up to {@link #MAX_PENDING}, so a queue that is
 * away for a while loses nothing. Each batch is sent with the offset it starts at (the bytes
 * acknowledged so far, counted here), so when the queue stored a batch but its answer was lost the
 * batch sent again is not stored twice. After a batch is given up that count is unknown (the queue
 * may hold the batch or not): the next batch goes without an offset and the count is taken from the
 * size the queue answers.
 */
public final class LiveLog implements AutoCloseable {

    /** Sends one batch (appends it to the log artifact). */
    @FunctionalInterface
    public interface BatchSender {
        /**
         * @param offset where the batch starts in the log: the bytes the queue has acknowledged so far, so that
         *               a batch sent again (its answer was lost) is stored once; -1 when not known
         * @return the log's size as the queue answered it, or -1 when it did not say
         */
        long send(long offset, byte[] batch) throws IOException;
    }

    /** Sends the last batch of the log and finishes the log artifact with it, in one request. */
    @FunctionalInterface
    public interface LastBatchSender {
        /**
         * @param offset as in {@link BatchSender#send}
         * @return true when the queue finished the artifact with this batch; false when it only appended it (a
         *     queue that does not know the combined call), and the artifact must still be finished
         */
        boolean sendLast(long offset, byte[] batch) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(LiveLog.class);

    public static final int FLUSH_BYTES = 64 * 1024;
    /** The least time between the starts of two requests: bounds the requests per second of one run's log. */
    public static final Duration SEND_INTERVAL = Duration.ofMillis(50);
    /** Upper bound of one request; a backlog goes out in several. */
    public static final int MAX_BATCH = 1024 * 1024;
    public static final int MAX_PENDING = 8 * 1024 * 1024;
    public static final Duration APPEND_WAIT = Duration.ofSeconds(5);
    /** Retries of a batch: a short cap, so a viewer sees the lines soon after the queue is back. */
    public static final Backoff SEND_BACKOFF = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2));

    private final String name;
    private final BatchSender sender;
    private final Clock clock;
    private final Backoff backoff;
    private final Supplier<Instant> deadline;
    private final FailureLog failures;
    private final LongConsumer droppedCounter;
    private boolean refused;
    private boolean warnedDrop;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    /** When the last batch started out (nanoTime); the next waits until {@link #SEND_INTERVAL} after it. */
    private long lastSendNanos = System.nanoTime() - SEND_INTERVAL.toNanos();
    private long droppedBytes;
    private boolean finishing;
    private boolean aborted;
    private boolean sending;
    /** Bytes of the log the queue has acknowledged; -1 when not known. Only the flusher uses it. */
    private long acknowledged;
    private final Thread flusher;
    private final LastBatchSender lastSender;
    /** Set by {@link #hold()}: output waits for the finish (or {@link #FLUSH_BYTES}) instead of going out at once. */
    private boolean held;
    /** Whether the last batch finished the log artifact (see {@link LastBatchSender}). */
    private volatile boolean finishedWithLastBatch;

    /** @param name what the log is called in worker log lines (e.g. the task and run) */
    public LiveLog(String name, BatchSender sender) {
        this(name, sender, Clock.systemUTC(), SEND_BACKOFF, () -> Instant.MAX, n -> { });
    }

    /**
     * @param deadline after it, unsent bytes are given up (the run's claim ended)
     * @param droppedCounter told of every byte given up (metrics)
     */
    public LiveLog(String name, BatchSender sender, Clock clock, Backoff backoff, Supplier<Instant> deadline,
                   LongConsumer droppedCounter) {
        this(name, sender, null, clock, backoff, deadline, droppedCounter);
    }

    /**
     * @param lastSender sends the last batch at the finish, finishing the artifact with it; null: sent as any other
     */
    public LiveLog(String name, BatchSender sender, LastBatchSender lastSender, Clock clock, Backoff backoff,
                   Supplier<Instant> deadline, LongConsumer droppedCounter) {
        this.lastSender = lastSender;
        this.name = name;
        this.sender = sender;
        this.clock = clock;
        this.backoff = backoff;
        this.deadline = deadline;
        this.droppedCounter = droppedCounter;
        this.failures = new FailureLog(LOG, "live log upload", clock);
        this.flusher = Thread.ofPlatform().daemon().name("berth-live-log-" + name).start(this::flushLoop);
    }

    /** Queues a chunk; returns at once unless {@link #MAX_PENDING} bytes are already waiting. */
    public void append(byte[] chunk) {
        if (chunk.length == 0) return;
        lock.lock();
        try {
            long waitNanos = APPEND_WAIT.toNanos();
            while (!finishing && !aborted && pendingBytes + chunk.length > MAX_PENDING && pendingBytes > 0 && waitNanos > 0) {
                waitNanos = changed.awaitNanos(waitNanos);
            }
            if (finishing || aborted) return;
            if (pendingBytes + chunk.length > MAX_PENDING && pendingBytes > 0) {
                droppedBytes += chunk.length;
                droppedCounter.accept(chunk.length);
                if (!warnedDrop) {
                    warnedDrop = true;
                    LOG.warn("log of {}: {} MiB wait to be sent; output is dropped (and counted in the log) until "
                            + "the queue takes it", name, MAX_PENDING >> 20);
                }
                return;
            }
            pending.add(chunk);
            pendingBytes += chunk.length;
            changed.signalAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The output has ended: what is appended from now on (the worker's closing lines) waits for the
     * {@link #finish}, so that it goes out in the same request as the finish instead of one before it.
     */
    public void hold() {
        lock.lock();
        try {
            held = true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the last batch finished the log artifact at the queue (after {@link #finish}). */
    public boolean finishedWithLastBatch() {
        return finishedWithLastBatch;
    }

    /**
     * Sends everything still queued and stops the flusher; waits at most {@code timeout}.
     *
     * @return true when all of the log was sent
     */
    public boolean finish(Duration timeout) {
        lock.lock();
        try {
            finishing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            flusher.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flusher.isAlive()) {
            LOG.warn("log of {} not fully sent within {}s", name, timeout.toSeconds());
            close();
            return false;
        }
        return true;
    }

    /** Stops at once, dropping what is not sent yet (the run was cancelled: nothing more goes out). */
    @Override
    public void close() {
        lock.lock();
        try {
            aborted = true;
            pending.clear();
            pendingBytes = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes waiting to be sent (for tests and metrics). */
    public long pendingBytes() {
        lock.lock();
        try {
            return pendingBytes + (sending ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    private void flushLoop() {
        while (true) {
            byte[] batch;
            boolean last;
            lock.lock();
            try {
                while (!aborted && !due()) {
                    if (pending.isEmpty()) {
                        if (finishing) return;
                        changed.await();
                    } else if (held) {
                        // waits for the finish or a full batch, both of which signal
                        changed.await();
                    } else {
                        long since = System.nanoTime() - lastSendNanos;
                        changed.awaitNanos(Math.max(1, SEND_INTERVAL.toNanos() - since));
                    }
                }
                if (aborted) return;
                batch = takeBatch();
                // the finish's batch: the last one, with nothing dropped to say after it
                last = finishing && pending.isEmpty() && droppedBytes == 0;
                lastSendNanos = System.nanoTime();
                sending = true;
                changed.signalAll();
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            send(batch, last && lastSender != null);
            lock.lock();
            try {
                sending = false;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Whether a batch should go now. Caller holds the lock. */
    private boolean due() {
        if (droppedBytes > 0) return true;
        if (pending.isEmpty()) return false;
        return finishing || pendingBytes >= FLUSH_BYTES
                || (!held && System.nanoTime() - lastSendNanos >= SEND_INTERVAL.toNanos());
    }

    /** Caller holds the lock. */
    private byte[] takeBatch() {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(pendingBytes, MAX_BATCH) + 128);
        while (!pending.isEmpty() && (out.size() == 0 || out.size() + pending.peek().length <= MAX_BATCH)) {
            byte[] chunk = pending.poll();
            pendingBytes -= chunk.length;
            out.writeBytes(chunk);
        }
        if (droppedBytes > 0 && pending.isEmpty()) {
            // said after what was queued before the loss, so the note sits where the gap is
            out.writeBytes(("\n[berth] " + droppedBytes + " bytes of output were dropped: the log could not be sent "
                    + "as fast as the task wrote it\n").getBytes(StandardCharsets.UTF_8));
            droppedBytes = 0;
        }
        return out.toByteArray();
    }

    private void send(byte[] batch, boolean last) {
        if (batch.length == 0) return;
        for (int attempt = 1; ; attempt++) {
            if (isAborted()) return;
            if (refused) {
                lost(batch.length);
                return;
            }
            try {
                long at = acknowledged;
                if (last) {
                    finishedWithLastBatch = lastSender.sendLast(at, batch);
                    acknowledged = at >= 0 ? at + batch.length : -1;
                    failures.succeeded(name);
                    return;
                }
                long answered = sender.send(at, batch);
                acknowledged = at >= 0 ? at + batch.length : answered;
                failures.succeeded(name);
                return;
            } catch (IOException | RuntimeException e) {
                if (isAborted()) return;
                if (FinalAnswer.isFinal(e)) {
                    // the run is gone (resolved, cancelled): nothing more of its log will be taken
                    refused = true;
                    LOG.warn("log of {}: the queue refused it ({}); the rest of the output is not sent", name, e.toString());
                    lost(batch.length);
                    return;
                }
                Duration pause = backoff.after(attempt);
                if (!clock.instant().plus(pause).isBefore(deadline.get())) {
                    LOG.warn("log of {}: {} bytes given up, the claim ends before the queue took them: {}",
                            name, batch.length, e.toString());
                    lost(batch.length);
                    return;
                }
                failures.failed(name, e, "keeping " + batch.length + " bytes and retrying in " + pause.toMillis() + "ms");
                if (!pause(pause)) return;
            }
        }
    }

    private void lost(long bytes) {
        droppedCounter.accept(bytes);
        // the queue may have stored the batch or not: the next one goes without an offset
        acknowledged = -1;
    }

    /** Waits {@code d} unless the log is aborted meanwhile; false when aborted. */
    private boolean pause(Duration d) {
        lock.lock();
        try {
            long nanos = d.toNanos();
            while (!aborted && nanos > 0) nanos = changed.awaitNanos(nanos);
            return !aborted;
        } catch (InterruptedException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    private boolean isAborted() {
        lock.lock();
        try {
            return aborted;
        } finally {
            lock.unlock();
        }
    }
}
