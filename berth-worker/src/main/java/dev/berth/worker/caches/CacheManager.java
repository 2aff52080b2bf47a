package dev.berth.worker.caches;

import dev.berth.worker.retry.FailureLog;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec.VolumeMount;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.VolumeSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's volume caches: hands each run its instances ({@link CachePool} decides which), makes
 * and removes the named volumes through the {@link ContainerRuntime}, finds its instances again after
 * a restart by their labels, and applies the purge-cache service's requests before every run that uses
 * a cache. Instances belong to this worker id; another worker on the same engine never sees them.
 */
public final class CacheManager {

    private static final Logger LOG = LoggerFactory.getLogger(CacheManager.class);

    /** Labels of a cache instance's volume (besides the runtime's managed and worker-id labels). */
    public static final String LABEL_KIND = "dev.berth.kind";
    public static final String KIND_CACHE = "cache";
    public static final String LABEL_CACHE_NAME = "dev.berth.cache.name";
    public static final String LABEL_CACHE_CREATED = "dev.berth.cache.created";

    /** The instances a run holds and where they are mounted. */
    public record CacheLease(CachePool.Lease lease, List<VolumeMount> mounts) {
        public CacheLease {
            mounts = List.copyOf(mounts);
        }
    }

    private final ContainerRuntime runtime;
    private final String workerId;
    private final CachePool pool;
    private final CacheUsage usage;
    private final PurgeRequestSource purges;
    private final FailureLog purgePollFailures;
    private final FailureLog removalFailures;
    private final Object recoverLock = new Object();
    private volatile boolean recovered;
    private Instant purgesSince;
    /** Volumes to remove that the engine refused (still mounted by a container being removed): tried again later. */
    private final Set<String> leftovers = new LinkedHashSet<>();
    private final Path cacheDir;

    public CacheManager(ContainerRuntime runtime, String workerId, Path dataDir, PurgeRequestSource purges, Clock clock) {
        this(runtime, workerId, dataDir, purges, clock, CacheManager::randomSuffix);
    }

    CacheManager(ContainerRuntime runtime, String workerId, Path dataDir, PurgeRequestSource purges, Clock clock,
                 Supplier<String> suffixes) {
        this(runtime, workerId, dataDir, null, purges, clock, suffixes);
    }

    /** @param cacheDir where instances keep their data (each bound into a directory here), or null for the engine's storage */
    public CacheManager(ContainerRuntime runtime, String workerId, Path dataDir, Path cacheDir, PurgeRequestSource purges,
                        Clock clock) {
        this(runtime, workerId, dataDir, cacheDir, purges, clock, CacheManager::randomSuffix);
    }

    CacheManager(ContainerRuntime runtime, String workerId, Path dataDir, Path cacheDir, PurgeRequestSource purges, Clock clock,
                 Supplier<String> suffixes) {
        this.cacheDir = cacheDir;
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.purges = purges == null ? PurgeRequestSource.NONE : purges;
        this.pool = new CachePool(clock, suffixes);
        this.usage = new CacheUsage(dataDir);
        this.purgePollFailures = new FailureLog(LOG, "purge-cache poll", clock);
        this.removalFailures = new FailureLog(LOG, "cache volume removal", clock);
    }

    /** The labels every instance of this worker carries; listing by them finds its instances again. */
    Map<String, String> ownLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerRuntime.LABEL_MANAGED, "true");
        labels.put(ContainerRuntime.LABEL_WORKER_ID, workerId);
        labels.put(LABEL_KIND, KIND_CACHE);
        return labels;
    }

    /**
     * Gives a run its instances of the named caches, mounted at the given paths: first applies purge
     * requests made since the last look, then takes the most recently used free instance of each cache
     * or makes a new volume. Lines for the task log go to {@code taskLog}.
     *
     * @throws EngineUnavailableException when the engine does not answer (nothing is held then)
     */
    public CacheLease acquire(Map<String, String> caches, Consumer<String> taskLog) {
        recover();
        applyPurgeRequests();
        CachePool.Lease lease = pool.acquire(caches.keySet());
        removeVolumes(lease.stale(), "made before a purge request");
        List<VolumeMount> mounts = new ArrayList<>();
        try {
            for (CachePool.Pick pick : lease.picks()) {
                CacheInstance i = pick.instance();
                if (pick.fresh()) {
                    Map<String, String> labels = ownLabels();
                    labels.put(LABEL_CACHE_NAME, i.cacheName());
                    labels.put(LABEL_CACHE_CREATED, i.created().toString());
                    createVolume(i.volumeName(), labels);
                    taskLog.accept("cache " + i.cacheName() + ": new instance " + i.volumeName() + " at " + caches.get(i.cacheName()));
                } else {
                    taskLog.accept("cache " + i.cacheName() + ": instance " + i.volumeName() + " (made " + i.created()
                            + ", last used " + i.lastUsed() + ") at " + caches.get(i.cacheName()));
                }
                mounts.add(new VolumeMount(i.volumeName(), caches.get(i.cacheName()), false));
            }
        } catch (RuntimeException e) {
            // give back what was taken; new instances whose volume may not exist are forgotten
            for (CachePool.Pick pick : lease.picks()) if (pick.fresh()) pool.forget(pick.instance().volumeName());
            pool.release(lease, false);
            throw e;
        }
        saveUsage();
        return new CacheLease(lease, mounts);
    }

    /**
     * Gives a run's instances back once its container is gone: for the next run, or removed when
     * {@code purge} (the exit code is in onExitStatus.purgeCaches) or a purge request came meanwhile.
     */
    public void release(CacheLease lease, boolean purge, Consumer<String> taskLog) {
        List<CacheInstance> remove = pool.release(lease.lease(), purge);
        if (purge) {
            for (CacheInstance i : remove) taskLog.accept("cache " + i.cacheName() + ": instance " + i.volumeName() + " purged");
        }
        removeVolumes(remove, purge ? "onExitStatus.purgeCaches" : "made before a purge request");
        saveUsage();
    }

    /** Every instance known, for status and tests. */
    public List<CacheInstance> instances() {
        recover();
        return pool.all();
    }

    /** The bookkeeping (for garbage collection: free instances, least recently used first). */
    public CachePool pool() {
        return pool;
    }

    /** Finds this worker's instances on the engine, once (at the first run that uses a cache). */
    public void recover() {
        if (recovered) return;
        synchronized (recoverLock) {
            if (recovered) return;
            int found = 0;
            for (VolumeSummary v : runtime.listVolumes(ownLabels())) {
                String name = v.labels().get(LABEL_CACHE_NAME);
                Instant created = parse(v.labels().get(LABEL_CACHE_CREATED));
                if (name == null || created == null) {
                    LOG.warn("volume {} is labelled as a cache of worker {} but has no cache name or creation time; left alone",
                            v.name(), workerId);
                    continue;
                }
                pool.restore(new CacheInstance(v.name(), name, created, usage.lastUsed(v.name()).orElse(created)));
                found++;
            }
            if (found > 0) LOG.info("found {} cache instance(s) of worker {} from before", found, workerId);
            recovered = true;
        }
    }

    /** Asks the purge-cache service for requests since the last answer and applies them; a failure is WARNed and skipped. */
    void applyPurgeRequests() {
        List<PurgeRequestSource.Notice> notices;
        Instant since;
        synchronized (this) {
            since = purgesSince;
        }
        try {
            notices = purges.since(since);
            purgePollFailures.succeeded(workerId);
        } catch (IOException | RuntimeException e) {
            purgePollFailures.failed(workerId, e, "caches are handed out without the newest purge requests");
            return;
        }
        Instant latest = since;
        for (PurgeRequestSource.Notice n : notices) {
            List<CacheInstance> stale = pool.purge(n.cacheName(), n.before());
            if (!stale.isEmpty()) {
                LOG.info("purge request for cache {} (before {}): removing {} instance(s)", n.cacheName(), n.before(), stale.size());
            }
            removeVolumes(stale, "purge request");
            if (latest == null || n.before().isAfter(latest)) latest = n.before();
        }
        synchronized (this) {
            if (latest != null && (purgesSince == null || latest.isAfter(purgesSince))) purgesSince = latest;
        }
    }

    private void createVolume(String name, Map<String, String> labels) {
        if (cacheDir == null) {
            runtime.createVolume(name, labels);
            return;
        }
        Path dir = cacheDir.resolve(name);
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot make the cache directory " + dir + ": " + e, e);
        }
        runtime.createVolume(name, labels, Map.of("type", "none", "o", "bind", "device", dir.toString()));
    }

    /**
     * Removes a free instance for garbage collection; false when a run took it meanwhile or the engine
     * refused (then it stays in the pool).
     */
    public boolean collect(CacheInstance instance) {
        if (!pool.takeIfFree(instance.volumeName())) return false;
        try {
            removeVolume(instance.volumeName());
        } catch (ContainerRuntimeException e) {
            LOG.warn("garbage collection could not remove cache volume {}: {}", instance.volumeName(), e.getMessage());
            pool.restore(instance);
            return false;
        }
        saveUsage();
        return true;
    }

    /** Removes the volume and, when instances live in {@link #cacheDir}, its directory (the engine leaves a bound one). */
    private void removeVolume(String name) {
        runtime.removeVolume(name);
        if (cacheDir == null) return;
        Path dir = cacheDir.resolve(name);
        if (!java.nio.file.Files.exists(dir)) return;
        try (var walk = java.nio.file.Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ContainerRuntimeException("cannot delete the cache directory " + dir + ": " + e, e);
        }
    }

    private void removeVolumes(List<CacheInstance> instances, String why) {
        List<String> names = new ArrayList<>();
        synchronized (leftovers) {
            names.addAll(leftovers);
            leftovers.clear();
        }
        for (CacheInstance i : instances) names.add(i.volumeName());
        for (String name : names) {
            try {
                removeVolume(name);
                LOG.info("removed cache volume {} ({})", name, why);
            } catch (EngineUnavailableException e) {
                synchronized (leftovers) {
                    leftovers.add(name);
                }
            } catch (ContainerRuntimeException e) {
                removalFailures.failed(name, e, "trying again at the next run that uses a cache");
                synchronized (leftovers) {
                    leftovers.add(name);
                }
            }
        }
    }

    private void saveUsage() {
        Map<String, Instant> byVolume = new LinkedHashMap<>();
        for (CacheInstance i : pool.all()) byVolume.put(i.volumeName(), i.lastUsed());
        usage.save(byVolume);
    }

    private static Instant parse(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String randomSuffix() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static final SecureRandom RANDOM = new SecureRandom();
}
