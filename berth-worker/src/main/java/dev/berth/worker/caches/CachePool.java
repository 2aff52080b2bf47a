package dev.berth.worker.caches;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Which cache instance each task gets: the most recently used instance of the cache that no running
 * task holds, else a new one; an instance is held by one task at a time; purges and purgeCaches exit
 * codes take instances out. Only bookkeeping: {@link CacheManager} makes and removes the volumes.
 * Thread-safe (one lock; every operation is short).
 */
public final class CachePool {

    /** An instance a task holds; {@code fresh} when it was made for this task (no volume exists yet). */
    public record Pick(CacheInstance instance, boolean fresh) {}

    /**
     * What {@link #acquire} decided: the instance per cache name (payload order), and stale instances
     * (made before a purge) taken out of the pool on the way, whose volumes are to be removed now.
     */
    public record Lease(List<Pick> picks, List<CacheInstance> stale) {
        public Lease {
            picks = List.copyOf(picks);
            stale = List.copyOf(stale);
        }
    }

    private final Clock clock;
    private final Supplier<String> suffixes;
    private final Map<String, CacheInstance> instances = new LinkedHashMap<>();
    private final Set<String> held = new HashSet<>();
    /** cache name → the latest purge's time: instances made before it are not handed out again. */
    private final Map<String, Instant> purgedBefore = new HashMap<>();

    /** @param suffixes unique suffixes for new volume names (random in production, a counter in tests) */
    public CachePool(Clock clock, Supplier<String> suffixes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.suffixes = Objects.requireNonNull(suffixes, "suffixes");
    }

    /** Adds an instance found on the engine (after a restart). */
    public synchronized void restore(CacheInstance instance) {
        instances.putIfAbsent(instance.volumeName(), instance);
    }

    /** Hands out one instance per name to a task; all or nothing. */
    public synchronized Lease acquire(Collection<String> cacheNames) {
        List<CacheInstance> stale = new ArrayList<>();
        for (CacheInstance i : List.copyOf(instances.values())) {
            if (!held.contains(i.volumeName()) && cacheNames.contains(i.cacheName()) && isStale(i)) {
                instances.remove(i.volumeName());
                stale.add(i);
            }
        }
        Instant now = clock.instant();
        List<Pick> picks = new ArrayList<>();
        for (String name : cacheNames) {
            CacheInstance best = instances.values().stream()
                    .filter(i -> i.cacheName().equals(name) && !held.contains(i.volumeName()))
                    .max(Comparator.comparing(CacheInstance::lastUsed).thenComparing(CacheInstance::created))
                    .orElse(null);
            Pick pick;
            if (best != null) {
                pick = new Pick(best, false);
            } else {
                CacheInstance fresh = new CacheInstance(volumeName(name, suffixes.get()), name, now, now);
                instances.put(fresh.volumeName(), fresh);
                pick = new Pick(fresh, true);
            }
            held.add(pick.instance().volumeName());
            picks.add(pick);
        }
        return new Lease(picks, stale);
    }

    /**
     * Gives a task's instances back. Returns the instances to remove: all of them when {@code purge}
     * (an onExitStatus.purgeCaches code), else those a purge made stale while the task held them.
     */
    public synchronized List<CacheInstance> release(Lease lease, boolean purge) {
        Instant now = clock.instant();
        List<CacheInstance> remove = new ArrayList<>();
        for (Pick pick : lease.picks()) {
            String volume = pick.instance().volumeName();
            held.remove(volume);
            CacheInstance current = instances.get(volume);
            if (current == null) continue;
            if (purge || isStale(current)) {
                instances.remove(volume);
                remove.add(current);
            } else {
                instances.put(volume, current.usedAt(now));
            }
        }
        return remove;
    }

    /** Forgets an instance whose volume could not be made or is gone; frees it if held. */
    public synchronized void forget(String volumeName) {
        instances.remove(volumeName);
        held.remove(volumeName);
    }

    /**
     * Applies a purge request: instances of {@code cacheName} made before {@code before} are never
     * handed out again. Returns the free ones, taken out now; held ones go when their task ends. A
     * request not newer than one applied already changes nothing (workers see the latest one again at
     * every poll).
     */
    public synchronized List<CacheInstance> purge(String cacheName, Instant before) {
        Instant had = purgedBefore.get(cacheName);
        if (had != null && !before.isAfter(had)) return List.of();
        purgedBefore.put(cacheName, before);
        List<CacheInstance> remove = new ArrayList<>();
        for (CacheInstance i : List.copyOf(instances.values())) {
            if (i.cacheName().equals(cacheName) && !held.contains(i.volumeName()) && isStale(i)) {
                instances.remove(i.volumeName());
                remove.add(i);
            }
        }
        return remove;
    }

    /** Takes {@code volumeName} out of the pool if no run holds it (garbage collection); false when held or gone. */
    public synchronized boolean takeIfFree(String volumeName) {
        if (held.contains(volumeName) || !instances.containsKey(volumeName)) return false;
        instances.remove(volumeName);
        return true;
    }

    /** Free instances, least recently used first (what garbage collection removes first). */
    public synchronized List<CacheInstance> freeLeastRecentlyUsedFirst() {
        return instances.values().stream().filter(i -> !held.contains(i.volumeName()))
                .sorted(Comparator.comparing(CacheInstance::lastUsed)).toList();
    }

    public synchronized List<CacheInstance> all() {
        return List.copyOf(instances.values());
    }

    public synchronized boolean isHeld(String volumeName) {
        return held.contains(volumeName);
    }

    private boolean isStale(CacheInstance i) {
        Instant before = purgedBefore.get(i.cacheName());
        return before != null && i.created().isBefore(before);
    }

    /**
     * A volume name the engine accepts ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]+}) that a person can read: the
     * cache name (other characters as {@code _}, cut at 64) and a unique suffix. The real name is a label.
     */
    static String volumeName(String cacheName, String suffix) {
        String readable = cacheName.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (readable.length() > 64) readable = readable.substring(0, 64);
        return ("berth-cache-" + readable + "-" + suffix).toLowerCase(Locale.ROOT);
    }
}
