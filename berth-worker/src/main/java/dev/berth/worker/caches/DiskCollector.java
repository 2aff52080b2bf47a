package dev.berth.worker.caches;

import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSummary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection when free disk runs low (the claim loop calls it while it holds off claiming):
 * removes free cache instances least recently used first, then images no run has used for
 * {@code imageIdle} (never one a running task needs), then exited containers of this worker whose run
 * is over, one at a time until free disk is back at the threshold. Says what it removed and how much
 * each freed; counts the bytes in {@code berth_worker_gc_collected_bytes} beside the gauge
 * {@code berth_worker_free_disk_bytes}.
 */
public final class DiskCollector implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DiskCollector.class);

    private final ContainerRuntime runtime;
    private final String workerId;
    private final CacheManager caches;
    private final ImageUsage images;
    private final Duration imageIdle;
    private final Supplier<Set<String>> activeRuns;
    private final LongSupplier freeDisk;
    private final long threshold;
    private final Counter collected;
    private boolean saidNothingLeft;

    /**
     * @param activeRuns "taskId/runId" of the runs this worker holds: their containers stay
     * @param threshold the free bytes to get back to (the worker's {@code minFreeDisk})
     */
    public DiskCollector(ContainerRuntime runtime, String workerId, CacheManager caches, ImageUsage images, Duration imageIdle,
                         Supplier<Set<String>> activeRuns, LongSupplier freeDisk, long threshold, MeterRegistry registry) {
        this.runtime = runtime;
        this.workerId = workerId;
        this.caches = caches;
        this.images = images;
        this.imageIdle = imageIdle;
        this.activeRuns = activeRuns;
        this.freeDisk = freeDisk;
        this.threshold = threshold;
        Gauge.builder("berth_worker_free_disk_bytes", freeDisk::getAsLong)
                .description("free disk where the worker keeps data (the least of its data dir, cache dir and the engine's root)")
                .baseUnit("bytes").register(registry);
        this.collected = Counter.builder("berth_worker_gc_collected_bytes")
                .description("disk freed by garbage collection when free disk ran low").baseUnit("bytes").register(registry);
    }

    @Override
    public void run() {
        collect();
    }

    /** Removes what it may until free disk is at the threshold or nothing is left; returns the bytes freed. */
    public synchronized long collect() {
        long start = freeDisk.getAsLong();
        if (start >= threshold) {
            saidNothingLeft = false;
            return 0;
        }
        int removed = 0;
        for (CacheInstance i : caches.pool().freeLeastRecentlyUsedFirst()) {
            if (enough()) break;
            long before = freeDisk.getAsLong();
            if (caches.collect(i)) {
                removed++;
                LOG.info("disk low: removed cache instance {} (cache {}, last used {}): {} freed", i.volumeName(),
                        i.cacheName(), i.lastUsed(), mib(freeDisk.getAsLong() - before));
            }
        }
        for (String image : images.idle(imageIdle)) {
            if (enough()) break;
            long before = freeDisk.getAsLong();
            try {
                if (images.inUse(image)) continue;
                runtime.removeImage(image);
                images.forgetIfIdle(image);
                removed++;
                LOG.info("disk low: removed image {} (no run used it for {} min): {} freed", image, imageIdle.toMinutes(),
                        mib(freeDisk.getAsLong() - before));
            } catch (ContainerRuntimeException e) {
                LOG.warn("disk low: could not remove image {}: {}", image, e.getMessage());
            }
        }
        if (!enough()) removed += removeExitedContainers();
        long freed = Math.max(0, freeDisk.getAsLong() - start);
        collected.increment(freed);
        if (removed > 0) {
            LOG.info("disk low: garbage collection removed {} item(s) and freed {}; {} free now (threshold {})", removed,
                    mib(freed), mib(freeDisk.getAsLong()), mib(threshold));
            saidNothingLeft = false;
        } else if (!saidNothingLeft) {
            LOG.warn("disk low: {} free (threshold {}) and nothing left to collect: no free cache instance, no idle image, "
                    + "no exited container of this worker", mib(start), mib(threshold));
            saidNothingLeft = true;
        }
        return freed;
    }

    private int removeExitedContainers() {
        int removed = 0;
        Set<String> active = activeRuns.get();
        List<ContainerSummary> containers;
        try {
            containers = runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId));
        } catch (ContainerRuntimeException e) {
            LOG.warn("disk low: could not list this worker's containers: {}", e.getMessage());
            return 0;
        }
        for (ContainerSummary c : containers) {
            if (enough()) break;
            String run = c.labels().get(ContainerRuntime.LABEL_TASK_ID) + "/" + c.labels().get(ContainerRuntime.LABEL_RUN_ID);
            if ("running".equals(c.state()) || active.contains(run)) continue;
            long before = freeDisk.getAsLong();
            try {
                runtime.removeContainer(c.id());
                removed++;
                LOG.info("disk low: removed exited container {} of run {}: {} freed", c.id(), run, mib(freeDisk.getAsLong() - before));
            } catch (ContainerRuntimeException e) {
                LOG.warn("disk low: could not remove container {}: {}", c.id(), e.getMessage());
            }
        }
        return removed;
    }

    private boolean enough() {
        return freeDisk.getAsLong() >= threshold;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
