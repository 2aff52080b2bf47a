package dev.berth.worker.caches;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.berth.testing.MutableClock;
import dev.berth.worker.LogCapture;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.VolumeSummary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager's own duties beside the pool's choices: polling purges, failures, the engine's volumes. */
class CacheManagerTest {

    /** Only volumes; a volume in {@link #busy} cannot be removed, as an engine refuses one a container mounts. */
    static class Volumes implements ContainerRuntime {
        final Map<String, Map<String, String>> volumes = new ConcurrentHashMap<>();
        final Set<String> busy = ConcurrentHashMap.newKeySet();

        @Override public void createVolume(String name, Map<String, String> labels) {
            Map<String, String> all = new HashMap<>(labels);
            all.put(LABEL_MANAGED, "true");
            volumes.put(name, all);
        }

        @Override public List<VolumeSummary> listVolumes(Map<String, String> labels) {
            return volumes.entrySet().stream().filter(e -> e.getValue().entrySet().containsAll(labels.entrySet()))
                    .map(e -> new VolumeSummary(e.getKey(), e.getValue())).toList();
        }

        @Override public void removeVolume(String name) {
            if (busy.contains(name)) throw new ContainerRuntimeException("volume " + name + " is in use", null);
            volumes.remove(name);
        }

        @Override public void ensureImage(String image) { throw new UnsupportedOperationException(); }
        @Override public String createContainer(ContainerSpec spec) { throw new UnsupportedOperationException(); }
        @Override public void startContainer(String containerId) { throw new UnsupportedOperationException(); }
        @Override public OutputStreamHandle followOutput(String containerId, OutputSink sink) { throw new UnsupportedOperationException(); }
        @Override public Optional<dev.berth.worker.runtime.ContainerExit> awaitExit(String id, Duration t) { throw new UnsupportedOperationException(); }
        @Override public void kill(String containerId) { throw new UnsupportedOperationException(); }
        @Override public InputStream copyFromContainer(String containerId, String path) { throw new UnsupportedOperationException(); }
        @Override public void removeContainer(String containerId) { throw new UnsupportedOperationException(); }
        @Override public List<ContainerSummary> listContainers(Map<String, String> labels) { return List.of(); }
    }

    @TempDir
    Path dataDir;

    private final Volumes engine = new Volumes();
    private final MutableClock clock = new MutableClock();
    private final AtomicInteger polls = new AtomicInteger();
    private final List<Instant> sinceAsked = new ArrayList<>();
    private volatile boolean purgeServiceDown;
    private final List<PurgeRequestSource.Notice> notices = new ArrayList<>();
    private final AtomicInteger suffix = new AtomicInteger();

    private CacheManager manager() {
        return new CacheManager(engine, "w1", dataDir, since -> {
            polls.incrementAndGet();
            sinceAsked.add(since);
            if (purgeServiceDown) throw new IOException("connection refused");
            return List.copyOf(notices);
        }, clock, () -> "s" + suffix.incrementAndGet());
    }

    private static final List<String> IGNORE = new ArrayList<>();

    @Test
    void aFailingPurgePollIsWarnedOnceAndRunsGoOnWithTheirCaches() {
        CacheManager m = manager();
        purgeServiceDown = true;
        try (LogCapture log = new LogCapture(CacheManager.class)) {
            for (int i = 0; i < 3; i++) m.release(m.acquire(Map.of("objdir", "/c"), IGNORE::add), false, IGNORE::add);

            assertThat(log.at(Level.WARN, "purge-cache poll")).hasSize(1);
            assertThat(engine.volumes).hasSize(1);

            purgeServiceDown = false;
            m.release(m.acquire(Map.of("objdir", "/c"), IGNORE::add), false, IGNORE::add);
            assertThat(log.at(Level.INFO, "works again")).hasSize(1);
        }
    }

    @Test
    void eachPollAsksOnlyForRequestsSinceTheLatestOneSeen() {
        CacheManager m = manager();
        Instant t = clock.instant();
        notices.add(new PurgeRequestSource.Notice("objdir", t.minusSeconds(30)));
        notices.add(new PurgeRequestSource.Notice("other", t.minusSeconds(10)));
        m.release(m.acquire(Map.of("objdir", "/c"), IGNORE::add), false, IGNORE::add);
        m.release(m.acquire(Map.of("objdir", "/c"), IGNORE::add), false, IGNORE::add);

        assertThat(sinceAsked).containsExactly(null, t.minusSeconds(10));
    }

    @Test
    void aVolumeTheEngineWillNotRemoveYetIsRemovedAtALaterRun() {
        CacheManager m = manager();
        CacheManager.CacheLease lease = m.acquire(Map.of("objdir", "/c"), IGNORE::add);
        String volume = lease.mounts().get(0).volumeName();
        engine.busy.add(volume); // its container is not gone yet
        try (LogCapture log = new LogCapture(CacheManager.class)) {
            m.release(lease, true, IGNORE::add);
            assertThat(engine.volumes).containsKey(volume);
            assertThat(log.at(Level.WARN, volume)).hasSize(1);
        }
        engine.busy.clear();
        CacheManager.CacheLease next = m.acquire(Map.of("objdir", "/c"), IGNORE::add);

        assertThat(engine.volumes).doesNotContainKey(volume);
        assertThat(next.mounts().get(0).volumeName()).isNotEqualTo(volume);
    }

    @Test
    void lastUseSurvivesARestartThroughTheDataDirectory() {
        CacheManager m = manager();
        CacheManager.CacheLease a = m.acquire(Map.of("objdir", "/c"), IGNORE::add);
        CacheManager.CacheLease b = m.acquire(Map.of("objdir", "/c"), IGNORE::add);
        m.release(a, false, IGNORE::add);
        clock.advance(Duration.ofMinutes(1));
        m.release(b, false, IGNORE::add); // b was used last

        CacheManager restarted = manager();
        assertThat(restarted.acquire(Map.of("objdir", "/c"), IGNORE::add).mounts().get(0).volumeName())
                .isEqualTo(b.mounts().get(0).volumeName());
    }

    @Test
    void volumesOfOtherWorkersOrWithoutCacheLabelsAreLeftAlone() {
        engine.createVolume("someone-elses", Map.of(ContainerRuntime.LABEL_WORKER_ID, "w2", CacheManager.LABEL_KIND, "cache",
                CacheManager.LABEL_CACHE_NAME, "objdir", CacheManager.LABEL_CACHE_CREATED, clock.instant().toString()));
        engine.createVolume("unlabelled", Map.of(ContainerRuntime.LABEL_WORKER_ID, "w1", CacheManager.LABEL_KIND, "cache"));

        CacheManager m = manager();
        assertThat(m.instances()).isEmpty();
        m.acquire(Map.of("objdir", "/c"), IGNORE::add);
        assertThat(engine.volumes).containsKeys("someone-elses", "unlabelled").hasSize(3);
    }
}
