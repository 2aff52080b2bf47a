package dev.berth.core.index;

import dev.berth.core.store.Page;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/** A small in-memory {@link IndexStore} for the domain's unit tests; it passes the same contract as the JDBC one. */
public final class InMemoryIndexStore implements IndexStore {

    /** Keyed "parent\u0000name", so one namespace's children sort together by name. */
    private final TreeMap<String, IndexedTask> tasks = new TreeMap<>();
    private final TreeMap<String, IndexNamespace> namespaces = new TreeMap<>();

    private static String key(IndexPath p) { return p.parent() + '\u0000' + p.name(); }

    @Override
    public synchronized IndexedTask insert(IndexedTask candidate, Instant namespaceExpires, Instant now) {
        for (IndexPath ns : candidate.path().ancestors()) {
            namespaces.merge(key(ns), new IndexNamespace(ns, namespaceExpires),
                    (old, fresh) -> old.expires().isBefore(fresh.expires()) ? fresh : old);
        }
        IndexedTask stored = tasks.get(key(candidate.path()));
        if (stored != null && stored.rank() > candidate.rank() && stored.expires().isAfter(now)) return stored;
        tasks.put(key(candidate.path()), candidate);
        return candidate;
    }

    @Override
    public synchronized Optional<IndexedTask> find(IndexPath path, Instant now) {
        return Optional.ofNullable(tasks.get(key(path))).filter(t -> t.expires().isAfter(now));
    }

    @Override
    public synchronized List<IndexedTask> findAll(List<IndexPath> paths, Instant now) {
        List<IndexedTask> out = new ArrayList<>();
        for (IndexPath p : paths) find(p, now).ifPresent(out::add);
        return out;
    }

    @Override
    public synchronized Page<IndexedTask> tasksIn(String namespace, String continuationToken, int limit, Instant now) {
        return page(tasks, namespace, continuationToken, limit, t -> t.expires().isAfter(now), t -> t.path().name());
    }

    @Override
    public synchronized Page<IndexNamespace> namespacesIn(String namespace, String continuationToken, int limit, Instant now) {
        return page(namespaces, namespace, continuationToken, limit, n -> n.expires().isAfter(now), n -> n.path().name());
    }

    private static <T> Page<T> page(TreeMap<String, T> map, String namespace, String token, int limit,
                                    java.util.function.Predicate<T> live, Function<T, String> name) {
        String after = token == null ? "" : new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        List<T> out = new ArrayList<>();
        String prefix = namespace + '\u0000';
        for (Map.Entry<String, T> e : map.tailMap(prefix + after, false).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            if (!live.test(e.getValue())) continue;
            if (out.size() == limit) {
                String last = name.apply(out.get(limit - 1));
                return new Page<>(out, Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
            }
            out.add(e.getValue());
        }
        return new Page<>(out, null);
    }

    @Override
    public synchronized boolean delete(IndexPath path) {
        return tasks.remove(key(path)) != null;
    }

    @Override
    public synchronized int deleteExpired(Instant now) {
        int before = tasks.size() + namespaces.size();
        tasks.values().removeIf(t -> t.expires().isBefore(now));
        namespaces.values().removeIf(n -> n.expires().isBefore(now));
        return before - tasks.size() - namespaces.size();
    }
}
