package dev.berth.testing;

import dev.berth.core.BerthException;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolWorker;
import dev.berth.core.pools.WorkerPool;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolStore;
import dev.berth.core.pools.WorkerState;
import dev.berth.core.store.Page;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/** A {@link WorkerPoolStore} in memory, for tests; it passes the same contract as the database adapters. */
public final class InMemoryWorkerPoolStore implements WorkerPoolStore {

    private final TreeMap<String, WorkerPool> pools = new TreeMap<>();
    private final List<PoolWorker> workers = new ArrayList<>();
    private final List<WorkerPoolError> errors = new ArrayList<>();

    private static final Comparator<PoolWorker> WORKER_ORDER =
            Comparator.comparing(PoolWorker::workerGroup).thenComparing(PoolWorker::workerId);
    private static final Comparator<WorkerPoolError> ERROR_ORDER =
            Comparator.comparing(WorkerPoolError::reported).thenComparing(WorkerPoolError::errorId).reversed();

    @Override
    public synchronized boolean createPool(WorkerPool pool) {
        return pools.putIfAbsent(pool.workerPoolId(), pool) == null;
    }

    @Override
    public synchronized boolean updatePool(WorkerPool pool) {
        WorkerPool old = pools.get(pool.workerPoolId());
        if (old == null) return false;
        pools.put(pool.workerPoolId(), new WorkerPool(pool.workerPoolId(), pool.providerId(), pool.description(), pool.config(),
                pool.owner(), pool.emailOnError(), old.created(), pool.lastModified()));
        return true;
    }

    @Override
    public synchronized Optional<WorkerPool> pool(String workerPoolId) { return Optional.ofNullable(pools.get(workerPoolId)); }

    @Override
    public synchronized Page<WorkerPool> pools(String continuationToken, int limit) {
        String after = decode(continuationToken);
        return page(pools.values().stream().filter(p -> p.workerPoolId().compareTo(after) > 0).toList(), limit, WorkerPool::workerPoolId);
    }

    @Override
    public synchronized boolean removeIfDrained(String workerPoolId) {
        WorkerPool p = pools.get(workerPoolId);
        if (p == null || !p.deleting()) return false;
        if (workers.stream().anyMatch(w -> w.workerPoolId().equals(workerPoolId) && w.state().live())) return false;
        pools.remove(workerPoolId);
        workers.removeIf(w -> w.workerPoolId().equals(workerPoolId));
        errors.removeIf(e -> e.workerPoolId().equals(workerPoolId));
        return true;
    }

    @Override
    public synchronized boolean createWorker(PoolWorker worker) {
        if (!pools.containsKey(worker.workerPoolId())) throw new IllegalStateException("no pool " + worker.workerPoolId());
        if (find(worker.workerPoolId(), worker.workerGroup(), worker.workerId()) >= 0) return false;
        workers.add(worker);
        return true;
    }

    @Override
    public synchronized boolean createWorkerWithin(PoolWorker worker, int maxCapacity) {
        WorkerPool pool = pools.get(worker.workerPoolId());
        if (pool == null || pool.deleting()) return false;
        int live = workers.stream().filter(w -> w.workerPoolId().equals(worker.workerPoolId()) && w.state().live())
                .mapToInt(PoolWorker::capacity).sum();
        return live + worker.capacity() <= maxCapacity && createWorker(worker);
    }

    @Override
    public synchronized boolean updateWorker(PoolWorker worker) {
        int i = find(worker.workerPoolId(), worker.workerGroup(), worker.workerId());
        if (i < 0) return false;
        PoolWorker old = workers.get(i);
        workers.set(i, new PoolWorker(old.workerPoolId(), old.workerGroup(), old.workerId(), old.providerId(), worker.state(),
                worker.capacity(), old.created(), worker.expires(), worker.lastModified(), worker.lastChecked(), worker.providerData()));
        return true;
    }

    @Override
    public synchronized Optional<PoolWorker> worker(String workerPoolId, String workerGroup, String workerId) {
        int i = find(workerPoolId, workerGroup, workerId);
        return i < 0 ? Optional.empty() : Optional.of(workers.get(i));
    }

    @Override
    public synchronized Page<PoolWorker> workers(String workerPoolId, String workerGroup, WorkerState state, String continuationToken,
                                                 int limit) {
        String after = decode(continuationToken);
        int slash = after.indexOf('/');
        String afterGroup = slash < 0 ? after : after.substring(0, slash);
        String afterId = slash < 0 ? "" : after.substring(slash + 1);
        Predicate<PoolWorker> afterKey = w -> w.workerGroup().compareTo(afterGroup) > 0
                || (w.workerGroup().equals(afterGroup) && w.workerId().compareTo(afterId) > 0);
        List<PoolWorker> rows = workers.stream().filter(w -> w.workerPoolId().equals(workerPoolId)).filter(afterKey)
                .filter(w -> workerGroup == null || w.workerGroup().equals(workerGroup))
                .filter(w -> state == null || w.state() == state).sorted(WORKER_ORDER).toList();
        return page(rows, limit, w -> w.workerGroup() + "/" + w.workerId());
    }

    @Override
    public synchronized PoolCounts counts(String workerPoolId) {
        PoolCounts c = PoolCounts.NONE;
        for (PoolWorker w : workers) if (w.workerPoolId().equals(workerPoolId)) c = c.plus(w.state(), w.capacity());
        return c;
    }

    @Override
    public synchronized int expireWorkers(Instant now) {
        int before = workers.size();
        workers.removeIf(w -> w.state() == WorkerState.STOPPED && !w.expires().isAfter(now));
        return before - workers.size();
    }

    @Override
    public synchronized void addError(WorkerPoolError error) {
        if (!pools.containsKey(error.workerPoolId())) throw new IllegalStateException("no pool " + error.workerPoolId());
        errors.add(error);
    }

    @Override
    public synchronized Page<WorkerPoolError> errors(String workerPoolId, String errorId, String continuationToken, int limit) {
        String after = decode(continuationToken);
        Predicate<WorkerPoolError> afterKey = e -> true;
        if (!after.isEmpty()) {
            int slash = after.indexOf('/');
            Instant at;
            try {
                at = Instant.ofEpochMilli(Long.parseLong(after.substring(0, slash)));
            } catch (RuntimeException ex) {
                throw BerthException.input("continuationToken '" + continuationToken + "' is not valid");
            }
            String id = after.substring(slash + 1);
            afterKey = e -> e.reported().isBefore(at) || (e.reported().equals(at) && e.errorId().compareTo(id) < 0);
        }
        List<WorkerPoolError> rows = errors.stream().filter(e -> e.workerPoolId().equals(workerPoolId))
                .filter(e -> errorId == null || e.errorId().equals(errorId)).filter(afterKey).sorted(ERROR_ORDER).toList();
        return page(rows, limit, e -> e.reported().toEpochMilli() + "/" + e.errorId());
    }

    @Override
    public synchronized List<WorkerPoolError> errorsSince(String workerPoolId, Instant since) {
        return errors.stream().filter(e -> workerPoolId == null || e.workerPoolId().equals(workerPoolId))
                .filter(e -> !e.reported().isBefore(since)).sorted(ERROR_ORDER).toList();
    }

    @Override
    public synchronized int expireErrors(Instant before) {
        int n = errors.size();
        errors.removeIf(e -> e.reported().isBefore(before));
        return n - errors.size();
    }

    private int find(String pool, String group, String id) {
        for (int i = 0; i < workers.size(); i++) {
            PoolWorker w = workers.get(i);
            if (w.workerPoolId().equals(pool) && w.workerGroup().equals(group) && w.workerId().equals(id)) return i;
        }
        return -1;
    }

    private static <T> Page<T> page(List<T> rows, int limit, Function<T, String> key) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<T> items = rows.subList(0, limit);
        String last = key.apply(items.get(limit - 1));
        return new Page<>(items, Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
    }

    private static String decode(String token) {
        if (token == null || token.isEmpty()) return "";
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw BerthException.input("continuationToken '" + token + "' is not valid");
        }
    }
}
