package dev.berth.worker.runtime;

/**
 * Per-container limits. Memory is also the swap limit: a task that runs out of memory is killed
 * and reported as OOM instead of thrashing the host's swap.
 *
 * @param memoryBytes hard memory limit in bytes (&gt; 0)
 * @param nanoCpus CPU quota in billionths of a CPU (e.g. 1_000_000_000 = one core); 0 = unlimited
 * @param pidsLimit maximum number of processes/threads (&gt; 0), a fork-bomb guard
 */
public record ResourceLimits(long memoryBytes, long nanoCpus, long pidsLimit) {

    public ResourceLimits {
        if (memoryBytes <= 0) throw new IllegalArgumentException("memoryBytes must be > 0");
        if (nanoCpus < 0) throw new IllegalArgumentException("nanoCpus must be >= 0");
        if (pidsLimit <= 0) throw new IllegalArgumentException("pidsLimit must be > 0");
    }

    /** Human form of the memory limit for log lines, e.g. {@code 8 MiB}. */
    public String memoryForHumans() {
        long b = memoryBytes;
        if (b % (1L << 30) == 0) return (b >> 30) + " GiB";
        if (b % (1L << 20) == 0) return (b >> 20) + " MiB";
        if (b % (1L << 10) == 0) return (b >> 10) + " KiB";
        return b + " bytes";
    }
}
