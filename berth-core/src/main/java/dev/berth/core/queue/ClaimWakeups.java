package dev.berth.core.queue;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes long-polling claimers when work appears on their task queue: <em>one</em> waiter per signal (one signal
 * per task made pending), not all of them. Waking every waiter for every new task made, with 8 workers polling,
 * about two claim transactions per task that found nothing (measured: 2.1 claim statements per task, 1.5 of them
 * empty).
 *
 * <p>No wake-up is lost: a claimer remembers the generation before it looks and, if a signal came since,
 * returns at once without waiting (as with {@link KeyedSignals}); a signal while claimers wait hands one of them
 * a wake-up, which it takes when it returns, also when its own wait ran out meanwhile (the caller claims once
 * more after every return). A waiter that takes a wake-up and then does not claim (its client went away, the
 * claim failed) must {@link #signal pass it on}.
 */
public final class ClaimWakeups {

    private static final class Key {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        long generation;
        int waiting;
        /** Wake-ups handed out by signals and not yet taken by a waiter; never more than are waiting. */
        int wakeups;
    }

    private final ConcurrentHashMap<String, Key> keys = new ConcurrentHashMap<>();

    private Key of(String key) {
        return keys.computeIfAbsent(key, k -> new Key());
    }

    public long generation(String key) {
        Key k = of(key);
        k.lock.lock();
        try {
            return k.generation;
        } finally {
            k.lock.unlock();
        }
    }

    /** How many claimers wait on the key now (for tests). */
    int waiting(String key) {
        Key k = of(key);
        k.lock.lock();
        try {
            return k.waiting;
        } finally {
            k.lock.unlock();
        }
    }

    /** Work appeared under the key: wake one waiter (if any waits; one that looks next sees the generation move). */
    public void signal(String key) {
        Key k = of(key);
        k.lock.lock();
        try {
            k.generation++;
            if (k.wakeups < k.waiting) {
                k.wakeups++;
                k.changed.signal();
            }
        } finally {
            k.lock.unlock();
        }
    }

    /**
     * Returns at once when the key's generation differs from {@code seen}; else waits until a signal hands this
     * waiter a wake-up or the timeout passes.
     *
     * @return true when woken by new work
     */
    public boolean await(String key, long seen, Duration timeout) throws InterruptedException {
        Key k = of(key);
        long nanos = timeout.toNanos();
        k.lock.lock();
        try {
            if (k.generation != seen) return true;
            k.waiting++;
            try {
                while (k.wakeups == 0) {
                    if (nanos <= 0) return false;
                    nanos = k.changed.awaitNanos(nanos);
                }
                k.wakeups--;
                return true;
            } finally {
                k.waiting--;
                // Leaving without a wake-up (interrupted) while holding the condition's signal: hand it to another
                // waiter. With nobody left waiting, a wake-up is dropped: a claimer that comes later claims before it
                // waits, so the work is found.
                if (k.wakeups > k.waiting) k.wakeups = k.waiting;
                if (k.wakeups > 0) k.changed.signal();
            }
        } finally {
            k.lock.unlock();
        }
    }
}
