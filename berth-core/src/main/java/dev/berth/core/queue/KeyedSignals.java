package dev.berth.core.queue;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes waiters when something happens under a key: long-polling claimers when work appears on their task
 * queue, followers of a live log when bytes are appended. A generation counter per key closes the race
 * between "found nothing" and "started waiting": a waiter remembers the generation it saw before looking
 * and returns at once if it has moved on since.
 */
public final class KeyedSignals {

    private static final class Signal {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        long generation;
    }

    private final ConcurrentHashMap<String, Signal> signals = new ConcurrentHashMap<>();

    private Signal of(String key) {
        return signals.computeIfAbsent(key, k -> new Signal());
    }

    public long generation(String key) {
        Signal s = of(key);
        s.lock.lock();
        try {
            return s.generation;
        } finally {
            s.lock.unlock();
        }
    }

    /** Something happened under the key: wake everyone waiting on it. */
    public void signal(String key) {
        Signal s = of(key);
        s.lock.lock();
        try {
            s.generation++;
            s.changed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Waits until the key's generation differs from {@code seen} or the timeout passes.
     *
     * @return true when woken by new work
     */
    public boolean await(String key, long seen, Duration timeout) throws InterruptedException {
        Signal s = of(key);
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

    /** Wakes the key's waiters and drops the key: nothing more will happen under it. */
    public void signalAndForget(String key) {
        Signal s = signals.remove(key);
        if (s == null) return;
        s.lock.lock();
        try {
            s.generation++;
            s.changed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    /** Wakes every waiter on every key (e.g. at shutdown). */
    public void signalAll() {
        signals.keySet().forEach(this::signal);
    }
}
