package dev.berth.worker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's capacity: which runs are active and how many slots they hold. A run gives its slot
 * back once its container has exited, so the next claim and start overlap its report and the removal
 * of its container; it stays active (and in {@link #running()}) until both are done.
 */
final class RunSlots {

    private final int capacity;
    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private int occupied; // guarded by this
    private boolean stopping; // guarded by this

    RunSlots(int capacity) {
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Blocks until at least one slot is free (or the worker stops); returns how many are (0 when stopping). */
    synchronized int awaitFree() throws InterruptedException {
        while (!stopping && occupied >= capacity) wait();
        return stopping ? 0 : capacity - occupied;
    }

    /**
     * Takes a slot for {@code run}. False when the worker is stopping: then the run is not this
     * worker's to start (shutdown either sees it registered and stops it, or it is handed back).
     */
    synchronized boolean register(ActiveRun run) {
        if (stopping) return false;
        active.put(run.key(), run);
        occupied++;
        return true;
    }

    synchronized void release(ActiveRun run) {
        if (run.slotReleased) return;
        run.slotReleased = true;
        occupied--;
        notifyAll();
    }

    /** The run's container is gone: it is no longer active. */
    synchronized void remove(ActiveRun run) {
        active.remove(run.key());
        notifyAll();
    }

    /** No run is registered after this. */
    synchronized void stop() {
        stopping = true;
        notifyAll();
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    int running() {
        return active.size();
    }

    boolean isEmpty() {
        return active.isEmpty();
    }

    boolean isActive(String taskId, String runId) {
        return active.containsKey(taskId + "/" + runId);
    }

    Collection<ActiveRun> active() {
        return List.copyOf(new ArrayList<>(active.values()));
    }
}
