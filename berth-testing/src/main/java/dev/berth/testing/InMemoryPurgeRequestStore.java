package dev.berth.testing;

import dev.berth.core.purgecache.PurgeRequest;
import dev.berth.core.purgecache.PurgeRequestStore;
import dev.berth.core.store.Page;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@link PurgeRequestStore} in a map; passes {@link PurgeRequestStoreContract} like the JDBC adapter. */
public final class InMemoryPurgeRequestStore implements PurgeRequestStore {

    // keyed "pool \0 cache": sorts by pool, then cache name, as the database adapter pages
    private final TreeMap<String, PurgeRequest> rows = new TreeMap<>();

    private static String key(String pool, String cache) { return pool + "\0" + cache; }

    @Override
    public synchronized void put(PurgeRequest request) {
        rows.put(key(request.workerPoolId(), request.cacheName()), request);
    }

    @Override
    public synchronized List<PurgeRequest> forPool(String workerPoolId, Instant now) {
        return rows.values().stream()
                .filter(r -> r.workerPoolId().equals(workerPoolId) && r.expires().isAfter(now)).toList();
    }

    @Override
    public synchronized Page<PurgeRequest> all(Instant now, String continuationToken, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1");
        String after = continuationToken == null || continuationToken.isEmpty() ? null
                : new String(Base64.getUrlDecoder().decode(continuationToken), StandardCharsets.UTF_8);
        List<PurgeRequest> out = new ArrayList<>();
        Map<String, PurgeRequest> tail = after == null ? rows : rows.tailMap(after, false);
        String last = null;
        for (Map.Entry<String, PurgeRequest> e : tail.entrySet()) {
            if (!e.getValue().expires().isAfter(now)) continue;
            if (out.size() == limit) {
                return new Page<>(out, Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
            }
            out.add(e.getValue());
            last = e.getKey();
        }
        return new Page<>(out, null);
    }

    @Override
    public synchronized int expire(Instant now) {
        List<String> gone = new ArrayList<>();
        rows.forEach((k, r) -> {
            if (!r.expires().isAfter(now)) gone.add(k);
        });
        gone.forEach(rows::remove);
        return gone.size();
    }
}
