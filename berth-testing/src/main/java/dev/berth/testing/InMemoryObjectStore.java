package dev.berth.testing;

import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An {@link ObjectStore} in memory, for domain tests; it passes the same {@link ObjectStoreContract} as the JDBC store. */
public final class InMemoryObjectStore implements ObjectStore {

    private final Map<String, ObjectRecord> byName = new TreeMap<>();

    @Override
    public synchronized ObjectRecord insertIfAbsent(ObjectRecord object) {
        ObjectRecord existing = byName.get(object.name());
        if (existing != null) return existing;
        for (ObjectRecord o : byName.values()) {
            if (o.uploadId().equals(object.uploadId())) return o;
        }
        byName.put(object.name(), object);
        return object;
    }

    @Override
    public synchronized Optional<ObjectRecord> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public synchronized boolean updateUnfinished(ObjectRecord object) {
        ObjectRecord existing = byName.get(object.name());
        if (existing == null || existing.finished() || !existing.uploadId().equals(object.uploadId())) return false;
        // only what an upload may change: the rest stays as first stored
        byName.put(object.name(), new ObjectRecord(existing.name(), existing.projectId(), existing.uploadId(), object.finished(),
                existing.expires(), existing.uploadExpires(), existing.blobKey(), object.contentType(), object.size(),
                object.hashes(), existing.created()));
        return true;
    }

    @Override
    public synchronized List<ObjectRecord> expired(Instant now, int limit) {
        return byName.values().stream()
                .filter(o -> o.expires().isBefore(now) || (!o.finished() && o.uploadExpires().isBefore(now)))
                .limit(limit).toList();
    }

    @Override
    public synchronized boolean delete(String name, String uploadId) {
        ObjectRecord existing = byName.get(name);
        if (existing == null || !existing.uploadId().equals(uploadId)) return false;
        byName.remove(name);
        return true;
    }
}
