package dev.berth.core.pools;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a pool's worker is in its life, as worker-manager names it. Requested: the provisioner is starting it;
 * running: its container runs; stopping: it should go (idle, removed, pool deleted); stopped: gone, kept a
 * while so a listing shows what happened. The allowed moves are this one table.
 */
public enum WorkerState {
    REQUESTED, RUNNING, STOPPING, STOPPED;

    private static final Map<WorkerState, Set<WorkerState>> MOVES = Map.of(
            REQUESTED, EnumSet.of(RUNNING, STOPPING, STOPPED),
            RUNNING, EnumSet.of(STOPPING, STOPPED),
            STOPPING, EnumSet.of(STOPPED),
            STOPPED, EnumSet.noneOf(WorkerState.class));

    /** True when a worker in this state may move to {@code next}; staying put is always allowed. */
    public boolean canMoveTo(WorkerState next) {
        return next == this || MOVES.get(this).contains(next);
    }

    /** Still counts towards the pool's capacity (the provisioner must not start another in its place). */
    public boolean live() { return this != STOPPED; }

    /** The wire name: {@code requested}, {@code running}, ... */
    public String wire() { return name().toLowerCase(Locale.ROOT); }

    public static WorkerState fromWire(String name) {
        for (WorkerState s : values()) if (s.wire().equals(name)) return s;
        throw dev.berth.core.BerthException.input("state must be one of requested, running, stopping, stopped; got '" + name + "'");
    }
}
