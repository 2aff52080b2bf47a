package dev.berth.worker.caches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.MutableClock;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection on low disk against a simulated disk: each removal frees what the item held. */
class DiskCollectorTest {

    private static final long MIB = 1 << 20;

    /** Volumes, images and containers that each take space on one disk. */
    static final class Disk extends CacheManagerTest.Volumes {
        final AtomicLong free = new AtomicLong(100 * MIB);
        final Map<String, Long> sizes = new ConcurrentHashMap<>();
        final List<String> removedImages = new ArrayList<>();
        final List<String> removedContainers = new ArrayList<>();
        final List<ContainerSummary> containers = new ArrayList<>();

        void fill(String thing, long bytes) {
            sizes.merge(thing, bytes, Long::sum);
            free.addAndGet(-bytes);
        }

        private void freeOf(String thing) {
            Long size = sizes.remove(thing);
            if (size != null) free.addAndGet(size);
        }

        @Override public void removeVolume(String name) {
            super.removeVolume(name);
            freeOf(name);
        }

        @Override public void removeImage(String image) {
            removedImages.add(image);
            freeOf(image);
        }

        @Override public List<ContainerSummary> listContainers(Map<String, String> labels) {
            return List.copyOf(containers);
        }

        @Override public void removeContainer(String id) {
            removedContainers.add(id);
            freeOf(id);
        }
    }

    @TempDir
    Path dataDir;

    private final Disk disk = new Disk();
    private final MutableClock clock = new MutableClock();
    private final AtomicInteger suffix = new AtomicInteger();
    private final CacheManager caches = new CacheManager(disk, "w1", null, null, PurgeRequestSource.NONE, clock,
            () -> "s" + suffix.incrementAndGet());
    private final ImageUsage images = new ImageUsage(clock);
    private final Set<String> activeRuns = ConcurrentHashMap.newKeySet();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DiskCollector collector = new DiskCollector(disk, "w1", caches, images, Duration.ofHours(1),
            () -> Set.copyOf(activeRuns), disk.free::get, 50 * MIB, registry);

    /** A run that used cache {@code name}, wrote {@code mib} into it and ended; returns the instance's volume. */
    private String usedCache(String name, long mib) {
        CacheManager.CacheLease lease = caches.acquire(Map.of(name, "/c"), line -> { });
        String volume = lease.mounts().get(0).volumeName();
        disk.fill(volume, mib * MIB);
        clock.advance(Duration.ofMinutes(1));
        caches.release(lease, false, line -> { });
        return volume;
    }

    @Test
    void freeInstancesGoLeastRecentlyUsedFirstUntilTheThresholdIsBack() {
        String oldest = usedCache("a", 30);
        String middle = usedCache("b", 30);
        String newest = usedCache("c", 30); // 10 MiB free now

        long freed = collector.collect();

        assertThat(disk.volumes).doesNotContainKeys(oldest, middle).containsKey(newest);
        assertThat(disk.free.get()).isGreaterThanOrEqualTo(50 * MIB);
        assertThat(freed).isEqualTo(60 * MIB);
        assertThat(registry.get("berth_worker_gc_collected_bytes").counter().count()).isEqualTo(60.0 * MIB);
        assertThat(registry.get("berth_worker_free_disk_bytes").gauge().value()).isEqualTo(70.0 * MIB);
    }

    @Test
    void anInstanceARunHoldsIsNeverRemoved() {
        CacheManager.CacheLease held = caches.acquire(Map.of("a", "/c"), line -> { });
        disk.fill(held.mounts().get(0).volumeName(), 80 * MIB);

        collector.collect();

        assertThat(disk.volumes).containsKey(held.mounts().get(0).volumeName());
        assertThat(caches.pool().isHeld(held.mounts().get(0).volumeName())).isTrue();
    }

    @Test
    void thenImagesNoRunUsedForAWhileButNeverOneARunNeeds() {
        images.acquire("old:1");
        images.release("old:1");
        images.acquire("running:1"); // a run holds it
        clock.advance(Duration.ofHours(2));
        images.acquire("recent:1");
        images.release("recent:1");
        disk.fill("old:1", 30 * MIB);
        disk.fill("running:1", 30 * MIB);
        disk.fill("recent:1", 30 * MIB);

        collector.collect();

        assertThat(disk.removedImages).containsExactly("old:1");
    }

    @Test
    void thenExitedContainersOfThisWorkerWhoseRunIsOver() {
        disk.containers.add(new ContainerSummary("done", "img", "exited", Map.of(ContainerRuntime.LABEL_TASK_ID, "T1",
                ContainerRuntime.LABEL_RUN_ID, "0")));
        disk.containers.add(new ContainerSummary("still-reporting", "img", "exited", Map.of(ContainerRuntime.LABEL_TASK_ID, "T2",
                ContainerRuntime.LABEL_RUN_ID, "0")));
        disk.containers.add(new ContainerSummary("running", "img", "running", Map.of(ContainerRuntime.LABEL_TASK_ID, "T3",
                ContainerRuntime.LABEL_RUN_ID, "0")));
        activeRuns.add("T2/0");
        disk.fill("done", 30 * MIB);
        disk.fill("still-reporting", 30 * MIB);
        disk.fill("running", 30 * MIB);

        collector.collect();

        assertThat(disk.removedContainers).containsExactly("done");
    }

    @Test
    void cacheInstancesGoBeforeImagesAndContainers() {
        images.acquire("old:1");
        images.release("old:1");
        clock.advance(Duration.ofHours(2));
        disk.fill("old:1", 30 * MIB);
        usedCache("a", 30); // 40 MiB free: removing either is enough

        collector.collect();

        assertThat(disk.volumes).isEmpty();
        assertThat(disk.removedImages).isEmpty();
    }

    @Test
    void nothingIsRemovedWhileThereIsEnoughSpace() {
        String volume = usedCache("a", 10);
        assertThat(collector.collect()).isZero();
        assertThat(disk.volumes).containsKey(volume);
    }
}
