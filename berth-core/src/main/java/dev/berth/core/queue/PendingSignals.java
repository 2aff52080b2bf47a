package dev.berth.core.queue;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes long-polling claimers when work appears on their task queue. A generation counter per queue
 * closes the race between "claimed nothing" and "started waiting": a waiter remembers the generation it
 * saw before trying to claim and returns at once if it has moved on since.
 */
public final class PendingSignals {

    private static final class QueueSignal {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        long generation;
    }

    private final ConcurrentHashMap<String, QueueSignal> signals = new ConcurrentHashMap<>();

    private QueueSignal of(String taskQueueId) {
        return signals.computeIfAbsent(taskQueueId, k -> new QueueSignal());
    }

    public long generation(String taskQueueId) {
        QueueSignal s = of(taskQueueId);
        s.lock.lock();
        try {
            return s.generation;
        } finally {
            s.lock.unlock();
        }
    }

    /** New pending work on the queue: wake everyone waiting on it. */
    public void signal(String taskQueueId) {
        QueueSignal s = of(taskQueueId);
        s.lock.lock();
        try {
            s.generation++;
            s.changed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Waits until the queue's generation differs from {@code seen} or the timeout passes.
     *
     * @return true when woken by new work
     */
    public boolean await(String taskQueueId, long seen, Duration timeout) throws InterruptedException {
        QueueSignal s = of(taskQueueId);
        long nanos = timeout.toNanos();
        s.lock.lock();
        try {
            while (s.generation == seen) {
                if (nanos <= 0) return false;
                nanos = s.changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    /** Wakes every waiter on every queue (e.g. at shutdown). */
    public void signalAll() {
        signals.keySet().forEach(this::signal);
    }
}
