package dev.berth.testing;

import dev.berth.core.store.Page;
import dev.berth.core.workers.Action;
import dev.berth.core.workers.ProvisionerRecord;
import dev.berth.core.workers.QuarantineDetail;
import dev.berth.core.workers.Stability;
import dev.berth.core.workers.TaskQueueRecord;
import dev.berth.core.workers.TaskRun;
import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A faithful in-memory {@link WorkerStore} for tests; it passes the same {@link WorkerStoreContract} as the JDBC
 * store. Every method holds the monitor, so each is atomic.
 */
public final class InMemoryWorkerStore implements WorkerStore {

    private final TreeMap<String, TaskQueueRecord> queues = new TreeMap<>();
    private final TreeMap<String, ProvisionerRecord> provisioners = new TreeMap<>();
    /** Keyed by task queue id, group and id joined by NUL, which sorts before every identifier character. */
    private final TreeMap<String, WorkerRecord> workers = new TreeMap<>();

    @Override
    public synchronized TaskQueueRecord upsertTaskQueue(String taskQueueId, String description, String stability,
                                                        Instant expires, Instant now, boolean active) {
        TaskQueueRecord q = queues.get(taskQueueId);
        TaskQueueRecord next = q == null
                ? new TaskQueueRecord(taskQueueId, description == null ? "" : description,
                        stability == null ? Stability.DEFAULT : stability, expires, now)
                : new TaskQueueRecord(taskQueueId, description == null ? q.description() : description,
                        stability == null ? q.stability() : stability, later(q.expires(), expires),
                        active ? now : q.lastDateActive());
        queues.put(taskQueueId, next);
        String pid = next.provisionerId();
        ProvisionerRecord p = provisioners.get(pid);
        provisioners.put(pid, p == null
                ? new ProvisionerRecord(pid, "", Stability.DEFAULT, List.of(), expires, now)
                : new ProvisionerRecord(pid, p.description(), p.stability(), p.actions(), later(p.expires(), expires),
                        active ? now : p.lastDateActive()));
        return next;
    }

    @Override
    public synchronized ProvisionerRecord upsertProvisioner(String provisionerId, String description, String stability,
                                                            List<Action> actions, Instant expires, Instant defaultExpires,
                                                            Instant now) {
        ProvisionerRecord p = provisioners.get(provisionerId);
        ProvisionerRecord next = p == null
                ? new ProvisionerRecord(provisionerId, description == null ? "" : description,
                        stability == null ? Stability.DEFAULT : stability, actions == null ? List.of() : actions,
                        expires == null ? defaultExpires : expires, now)
                : new ProvisionerRecord(provisionerId, description == null ? p.description() : description,
                        stability == null ? p.stability() : stability, actions == null ? p.actions() : actions,
                        expires == null ? p.expires() : later(p.expires(), expires), now);
        provisioners.put(provisionerId, next);
        return next;
    }

    @Override
    public synchronized WorkerRecord workerSeen(String taskQueueId, String workerGroup, String workerId, Instant expires,
                                                Instant now) {
        String key = key(taskQueueId, workerGroup, workerId);
        WorkerRecord w = workers.get(key);
        WorkerRecord next = w == null
                ? new WorkerRecord(taskQueueId, workerGroup, workerId, null, List.of(), expires, now, now, List.of())
                : new WorkerRecord(taskQueueId, workerGroup, workerId, w.quarantineUntil(), w.quarantineDetails(),
                        later(w.expires(), expires), w.firstClaim(), now, w.recentTasks());
        workers.put(key, next);
        return next;
    }

    @Override
    public synchronized Optional<WorkerRecord> quarantineWorker(String taskQueueId, String workerGroup, String workerId,
                                                                Instant until, QuarantineDetail detail, Instant minExpires) {
        String key = key(taskQueueId, workerGroup, workerId);
        WorkerRecord w = workers.get(key);
        if (w == null) return Optional.empty();
        List<QuarantineDetail> details = new ArrayList<>(w.quarantineDetails());
        details.add(detail);
        WorkerRecord next = new WorkerRecord(taskQueueId, workerGroup, workerId, until, details,
                later(w.expires(), minExpires), w.firstClaim(), w.lastDateActive(), w.recentTasks());
        workers.put(key, next);
        return Optional.of(next);
    }

    @Override
    public synchronized void addRecentTasks(String taskQueueId, String workerGroup, String workerId, List<TaskRun> runs) {
        String key = key(taskQueueId, workerGroup, workerId);
        WorkerRecord w = workers.get(key);
        if (w == null) return;
        List<TaskRun> recent = new ArrayList<>(w.recentTasks());
        recent.addAll(runs);
        if (recent.size() > WorkerRecord.RECENT_TASKS) recent = recent.subList(recent.size() - WorkerRecord.RECENT_TASKS, recent.size());
        workers.put(key, new WorkerRecord(taskQueueId, workerGroup, workerId, w.quarantineUntil(), w.quarantineDetails(),
                w.expires(), w.firstClaim(), w.lastDateActive(), recent));
    }

    @Override
    public synchronized Optional<TaskQueueRecord> findTaskQueue(String taskQueueId) {
        return Optional.ofNullable(queues.get(taskQueueId));
    }

    @Override
    public synchronized Page<TaskQueueRecord> taskQueues(String provisionerId, Instant now, String continuationToken, int limit) {
        return page(queues, continuationToken, limit,
                q -> !q.expires().isBefore(now) && (provisionerId == null || q.provisionerId().equals(provisionerId)),
                TaskQueueRecord::taskQueueId, Function.identity());
    }

    @Override
    public synchronized Optional<ProvisionerRecord> findProvisioner(String provisionerId) {
        return Optional.ofNullable(provisioners.get(provisionerId));
    }

    @Override
    public synchronized Page<ProvisionerRecord> provisioners(Instant now, String continuationToken, int limit) {
        return page(provisioners, continuationToken, limit, p -> !p.expires().isBefore(now), ProvisionerRecord::provisionerId,
                Function.identity());
    }

    @Override
    public synchronized Optional<WorkerRecord> findWorker(String taskQueueId, String workerGroup, String workerId) {
        return Optional.ofNullable(workers.get(key(taskQueueId, workerGroup, workerId)));
    }

    @Override
    public synchronized Page<WorkerRecord> workers(String taskQueueId, Boolean quarantined, Instant now,
                                                   String continuationToken, int limit) {
        return page(workers, continuationToken, limit, w -> w.taskQueueId().equals(taskQueueId) && w.aliveAt(now)
                        && (quarantined == null || quarantined == w.quarantinedAt(now)),
                // the token names group and id, as the JDBC store's; the map's key adds the task queue
                w -> w.workerGroup() + "/" + w.workerId(),
                t -> key(taskQueueId, t.substring(0, t.indexOf('/')), t.substring(t.indexOf('/') + 1)));
    }

    @Override
    public synchronized int deleteExpired(Instant now) {
        int before = queues.size() + provisioners.size() + workers.size();
        queues.values().removeIf(q -> q.expires().isBefore(now));
        provisioners.values().removeIf(p -> p.expires().isBefore(now));
        workers.values().removeIf(w -> w.expires().isBefore(now)
                && (w.quarantineUntil() == null || w.quarantineUntil().isBefore(now)));
        return before - queues.size() - provisioners.size() - workers.size();
    }

    @Override
    public void close() {}

    private static String key(String taskQueueId, String workerGroup, String workerId) {
        return taskQueueId + "\u0000" + workerGroup + "\u0000" + workerId;
    }

    private static Instant later(Instant a, Instant b) { return b.isAfter(a) ? b : a; }

    /** A page of the rows {@code keep} accepts; its token is {@code tokenOf} the last row, base64url as the JDBC store's. */
    private static <T> Page<T> page(TreeMap<String, T> rows, String token, int limit, Predicate<T> keep,
                                    Function<T, String> tokenOf, Function<String, String> tokenToKey) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        String after = token == null ? null
                : tokenToKey.apply(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        List<T> out = new ArrayList<>();
        for (T row : (after == null ? rows : rows.tailMap(after, false)).values()) {
            if (!keep.test(row)) continue;
            if (out.size() == limit) {
                String last = tokenOf.apply(out.get(limit - 1));
                return new Page<>(out, Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
            }
            out.add(row);
        }
        return new Page<>(out, null);
    }
}
