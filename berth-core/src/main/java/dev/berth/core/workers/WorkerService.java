package dev.berth.core.workers;

import dev.berth.core.BerthException;
import dev.berth.core.store.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Task queues, provisioners and workers: what the queue learns from claims and task creation, what is declared,
 * and quarantine (a quarantined worker gets no work until its quarantineUntil passes).
 *
 * <p>Claims must stay cheap, so "seen" is written at most once per {@link #SEEN_INTERVAL} per worker (and per
 * task queue) by each server, as Taskcluster's queue rate-limits its own writes: a busy worker claiming many
 * times a second costs one row write every few seconds, not one per claim. The same write reads the worker's
 * quarantine back, and this server's quarantineWorker calls update it at once, so the quarantine check of a
 * claim reads memory only; a quarantine set through another server behind the same database is seen by this
 * one within {@link #SEEN_INTERVAL}. lastDateActive is therefore up to that interval old, as the schema allows.
 * The runs a claim returns are written to the worker's recent tasks at once when it claimed nothing for an interval,
 * else kept here and written by the next {@link #flushRecentTasks()} (the server's sweep, every second): a worker
 * claiming often adds one write a second, not one per claim.
 */
public final class WorkerService {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerService.class);

    /** How often one server writes that a worker or task queue was seen. */
    public static final Duration SEEN_INTERVAL = Duration.ofSeconds(15);
    /** A worker seen stays listed this long after it was last seen (Taskcluster: one day). */
    static final Duration WORKER_EXPIRY = Duration.ofDays(1);
    /** A task queue (and its provisioner) seen or declared without expires stays this long (Taskcluster: five days). */
    static final Duration QUEUE_EXPIRY = Duration.ofDays(5);
    /** A quarantine change keeps the worker at least this long, so that one let out does not vanish at once. */
    static final Duration QUARANTINE_KEEPS = Duration.ofDays(1);

    private final WorkerStore store;
    private final Clock clock;
    /** Key of a row this server writes when seen → the time from which it may write it again. */
    private final ConcurrentHashMap<String, Instant> nextWrite = new ConcurrentHashMap<>();
    /** Worker key → its quarantineUntil as this server last read or wrote it (absent: never quarantined). */
    private final ConcurrentHashMap<String, Instant> quarantines = new ConcurrentHashMap<>();
    /** Worker → runs it claimed that its recent tasks do not hold yet, oldest first. */
    private final ConcurrentHashMap<WorkerKey, List<TaskRun>> unflushed = new ConcurrentHashMap<>();
    private volatile boolean flushFailedBefore;

    private record WorkerKey(String taskQueueId, String workerGroup, String workerId) {}

    public WorkerService(WorkerStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    // ---- seen by the queue

    /**
     * A worker calls claimWork, claimTask or reclaimTask on a task queue: records it and its queue as seen (at
     * most once per {@link #SEEN_INTERVAL}) and answers when its quarantine ends if it is quarantined now.
     */
    public Optional<Instant> workerSeen(String taskQueueId, String workerGroup, String workerId) {
        Instant now = clock.instant();
        if (due("q " + taskQueueId, now)) {
            store.upsertTaskQueue(taskQueueId, null, null, now.plus(QUEUE_EXPIRY), now, true);
            wrote("q " + taskQueueId, now);
        }
        String key = workerKey(taskQueueId, workerGroup, workerId);
        if (due(key, now)) {
            remember(store.workerSeen(taskQueueId, workerGroup, workerId, now.plus(WORKER_EXPIRY), now));
            wrote(key, now);
        }
        Instant until = quarantines.get(key);
        return until != null && until.isAfter(now) ? Optional.of(until) : Optional.empty();
    }

    /** A claim gave the worker these runs: they join its recent tasks, at once or with the next flush. */
    public void tasksClaimed(String taskQueueId, String workerGroup, String workerId, List<TaskRun> runs) {
        if (runs.isEmpty()) return;
        Instant now = clock.instant();
        String key = "r " + taskQueueId + "/" + workerGroup + "/" + workerId;
        if (due(key, now)) {
            wrote(key, now);
            store.addRecentTasks(taskQueueId, workerGroup, workerId, runs);
        } else {
            unflushed.merge(new WorkerKey(taskQueueId, workerGroup, workerId), List.copyOf(runs), (a, b) -> {
                List<TaskRun> all = new java.util.ArrayList<>(a);
                all.addAll(b);
                return List.copyOf(all.subList(Math.max(0, all.size() - WorkerRecord.RECENT_TASKS), all.size()));
            });
        }
    }

    /**
     * Writes the claimed runs kept since the last flush to their workers' recent tasks. A failure is logged (WARN
     * the first time, then DEBUG) and those runs are dropped: recent tasks are informational, and the next claims
     * bring new ones.
     */
    public int flushRecentTasks() {
        int n = 0;
        for (WorkerKey k : List.copyOf(unflushed.keySet())) {
            List<TaskRun> runs = unflushed.remove(k);
            if (runs == null) continue;
            try {
                store.addRecentTasks(k.taskQueueId(), k.workerGroup(), k.workerId(), runs);
                n += runs.size();
            } catch (RuntimeException e) {
                if (!flushFailedBefore) LOG.warn("cannot record the recent tasks of worker {}/{}; dropping them", k.workerGroup(), k.workerId(), e);
                else LOG.debug("cannot record the recent tasks of worker {}/{}", k.workerGroup(), k.workerId(), e);
                flushFailedBefore = true;
            }
        }
        return n;
    }

    /**
     * A task was created on the queue: the queue is listed from then on (at most one write per
     * {@link #SEEN_INTERVAL}), without counting as worker activity.
     */
    public void taskQueueUsed(String taskQueueId) {
        Instant now = clock.instant();
        if (due("t " + taskQueueId, now)) {
            store.upsertTaskQueue(taskQueueId, null, null, now.plus(QUEUE_EXPIRY), now, false);
            wrote("t " + taskQueueId, now);
        }
    }

    // ---- declared
    //
    // A declaration needs one scope per property it sets (Taskcluster's for/each over the body's keys), so one
    // that sets nothing needs none: it changes and creates nothing, and answers the current record (or 404).

    public ProvisionerRecord declareProvisioner(String provisionerId, String description, String stability,
                                                List<Action> actions, Instant expires) {
        if (description == null && stability == null && actions == null && expires == null) return provisioner(provisionerId);
        Instant now = clock.instant();
        return store.upsertProvisioner(provisionerId, description, Stability.check(stability), actions, expires,
                now.plus(QUEUE_EXPIRY), now);
    }

    public TaskQueueRecord declareTaskQueue(String taskQueueId, String description, String stability, Instant expires) {
        if (description == null && stability == null && expires == null) return taskQueue(taskQueueId);
        Instant now = clock.instant();
        return store.upsertTaskQueue(taskQueueId, description, Stability.check(stability),
                expires != null ? expires : now.plus(QUEUE_EXPIRY), now, true);
    }

    public WorkerRecord declareWorker(String taskQueueId, String workerGroup, String workerId, Instant expires) {
        if (expires == null) return worker(taskQueueId, workerGroup, workerId);
        Instant now = clock.instant();
        Instant until = expires;
        store.upsertTaskQueue(taskQueueId, null, null, until, now, true);
        WorkerRecord w = store.workerSeen(taskQueueId, workerGroup, workerId, until, now);
        remember(w);
        return w;
    }

    /**
     * Quarantines the worker until {@code until}; a time not after now lifts its quarantine. The change is kept in
     * its quarantine details with who made it and why ({@code "[unspecified]"} when no reason is given).
     */
    public WorkerRecord quarantine(String taskQueueId, String workerGroup, String workerId, Instant until,
                                   String clientId, String info) {
        Instant now = clock.instant();
        QuarantineDetail detail = new QuarantineDetail(clientId, now, until, info == null ? "[unspecified]" : info);
        WorkerRecord w = store.quarantineWorker(taskQueueId, workerGroup, workerId, until, detail, now.plus(QUARANTINE_KEEPS))
                .orElseThrow(() -> BerthException.notFound("worker " + workerGroup + "/" + workerId + " of task queue "
                        + taskQueueId + " not found: it has not claimed work or been declared"));
        remember(w);
        return w;
    }

    // ---- reading

    public TaskQueueRecord taskQueue(String taskQueueId) {
        Instant now = clock.instant();
        return store.findTaskQueue(taskQueueId).filter(q -> !q.expires().isBefore(now))
                .orElseThrow(() -> BerthException.notFound("task queue " + taskQueueId + " not found"));
    }

    public ProvisionerRecord provisioner(String provisionerId) {
        Instant now = clock.instant();
        return store.findProvisioner(provisionerId).filter(p -> !p.expires().isBefore(now))
                .orElseThrow(() -> BerthException.notFound("provisioner " + provisionerId + " not found"));
    }

    /** As Taskcluster: found only while the worker is alive (or quarantined) and its task queue exists. */
    public WorkerRecord worker(String taskQueueId, String workerGroup, String workerId) {
        Instant now = clock.instant();
        Optional<WorkerRecord> w = store.findWorker(taskQueueId, workerGroup, workerId).filter(x -> x.aliveAt(now));
        if (w.isEmpty() || store.findTaskQueue(taskQueueId).isEmpty()) {
            throw BerthException.notFound("worker " + workerGroup + "/" + workerId + " of task queue " + taskQueueId + " not found");
        }
        return w.get();
    }

    public Page<TaskQueueRecord> taskQueues(String provisionerId, String continuationToken, int limit) {
        return store.taskQueues(provisionerId, clock.instant(), continuationToken, limit);
    }

    public Page<ProvisionerRecord> provisioners(String continuationToken, int limit) {
        return store.provisioners(clock.instant(), continuationToken, limit);
    }

    public Page<WorkerRecord> workers(String taskQueueId, Boolean quarantined, String continuationToken, int limit) {
        return store.workers(taskQueueId, quarantined, clock.instant(), continuationToken, limit);
    }

    public Instant now() { return clock.instant(); }

    // ---- expiry

    /** Deletes expired task queues, provisioners and workers, and forgets what this server remembered of them. */
    public int expire() {
        Instant now = clock.instant();
        int n = store.deleteExpired(now);
        nextWrite.values().removeIf(next -> next.isBefore(now.minus(SEEN_INTERVAL)));
        quarantines.values().removeIf(until -> !until.isAfter(now));
        return n;
    }

    // ---- internals

    private static String workerKey(String taskQueueId, String workerGroup, String workerId) {
        return "w " + taskQueueId + "/" + workerGroup + "/" + workerId;
    }

    private void remember(WorkerRecord w) {
        String key = workerKey(w.taskQueueId(), w.workerGroup(), w.workerId());
        if (w.quarantineUntil() == null) quarantines.remove(key); else quarantines.put(key, w.quarantineUntil());
    }

    /** Due when never written, when the interval passed, or when the clock went back past the last write. */
    private boolean due(String key, Instant now) {
        Instant next = nextWrite.get(key);
        return next == null || !now.isBefore(next) || now.isBefore(next.minus(SEEN_INTERVAL));
    }

    private void wrote(String key, Instant now) {
        nextWrite.put(key, now.plus(SEEN_INTERVAL));
    }
}
