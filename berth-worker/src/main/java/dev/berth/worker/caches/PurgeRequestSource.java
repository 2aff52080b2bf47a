package dev.berth.worker.caches;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Where the worker learns of purge requests for its pool (the purge-cache service's purgeRequests). */
@FunctionalInterface
public interface PurgeRequestSource {

    /** A request to purge instances of {@code cacheName} made before {@code before}. */
    record Notice(String cacheName, Instant before) {}

    /** Open requests whose {@code before} is at or after {@code since} (null: all open ones). */
    List<Notice> since(Instant since) throws IOException;

    /** No purge service (tests with a fake queue). */
    PurgeRequestSource NONE = since -> List.of();
}
