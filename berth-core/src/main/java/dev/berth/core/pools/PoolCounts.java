package dev.berth.core.pools;

/** How many of a pool's workers are in each state and the capacity they hold (worker-manager's pool stats). */
public record PoolCounts(int requestedCount, int runningCount, int stoppingCount, int stoppedCount,
                         int requestedCapacity, int runningCapacity, int stoppingCapacity, int stoppedCapacity) {

    public static final PoolCounts NONE = new PoolCounts(0, 0, 0, 0, 0, 0, 0, 0);

    /** Capacity that exists or is on its way: what the provisioner weighs against pending tasks. */
    public int currentCapacity() { return requestedCapacity + runningCapacity; }

    /** These counts with one more worker in {@code state} holding {@code capacity}. */
    public PoolCounts plus(WorkerState state, int capacity) {
        return switch (state) {
            case REQUESTED -> new PoolCounts(requestedCount + 1, runningCount, stoppingCount, stoppedCount,
                    requestedCapacity + capacity, runningCapacity, stoppingCapacity, stoppedCapacity);
            case RUNNING -> new PoolCounts(requestedCount, runningCount + 1, stoppingCount, stoppedCount,
                    requestedCapacity, runningCapacity + capacity, stoppingCapacity, stoppedCapacity);
            case STOPPING -> new PoolCounts(requestedCount, runningCount, stoppingCount + 1, stoppedCount,
                    requestedCapacity, runningCapacity, stoppingCapacity + capacity, stoppedCapacity);
            case STOPPED -> new PoolCounts(requestedCount, runningCount, stoppingCount, stoppedCount + 1,
                    requestedCapacity, runningCapacity, stoppingCapacity, stoppedCapacity + capacity);
        };
    }
}
