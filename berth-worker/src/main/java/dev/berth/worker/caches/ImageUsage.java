package dev.berth.worker.caches;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which images this worker's runs used and when, so disk garbage collection removes only images no
 * task has used for a while and never one a running task needs. Only images the worker used itself
 * are candidates: others on the engine are not its to remove. Thread-safe.
 */
public final class ImageUsage {

    private record Use(int running, Instant last) {}

    private final Clock clock;
    private final Map<String, Use> images = new HashMap<>();

    public ImageUsage(Clock clock) {
        this.clock = clock;
    }

    /** A run needs {@code image} from now until {@link #release}. */
    public synchronized void acquire(String image) {
        Use u = images.get(image);
        images.put(image, new Use(u == null ? 1 : u.running() + 1, clock.instant()));
    }

    public synchronized void release(String image) {
        Use u = images.get(image);
        if (u != null) images.put(image, new Use(Math.max(0, u.running() - 1), clock.instant()));
    }

    /** Images no run needs and none used within {@code idle}, least recently used first. */
    public synchronized List<String> idle(Duration idle) {
        Instant cutoff = clock.instant().minus(idle);
        return images.entrySet().stream()
                .filter(e -> e.getValue().running() == 0 && !e.getValue().last().isAfter(cutoff))
                .sorted(Comparator.comparing(e -> e.getValue().last()))
                .map(Map.Entry::getKey).toList();
    }

    /** Forgets an image removed from the engine, unless a run took it again meanwhile. */
    public synchronized boolean forgetIfIdle(String image) {
        Use u = images.get(image);
        if (u == null || u.running() > 0) return false;
        images.remove(image);
        return true;
    }

    public synchronized boolean inUse(String image) {
        Use u = images.get(image);
        return u != null && u.running() > 0;
    }
}
