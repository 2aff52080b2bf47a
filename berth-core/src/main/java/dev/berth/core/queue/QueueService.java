package dev.berth.core.queue;

import dev.berth.core.BerthException;
import dev.berth.core.store.Page;
import dev.berth.core.store.StatusChange;
import dev.berth.core.store.TaskGroupRecord;
import dev.berth.core.store.TaskGroupRefusedException;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's use cases: create, schedule, claim, reclaim, resolve, cancel and rerun tasks, plus the
 * background sweeps (claim expiry, deadlines, expiry) and the dependency tracker. Every status change
 * goes through {@link TaskLifecycle}; this class decides what to change and what follows from it.
 */
public final class QueueService {

    private static final Logger log = LoggerFactory.getLogger(QueueService.class);
    private static final int SWEEP_BATCH = 200;

    private final TaskStore store;
    private final Clock clock;
    private final Duration claimTimeout;
    private final ClaimWakeups signals = new ClaimWakeups();
    private volatile java.util.function.Consumer<TaskRecord> onCompleted = t -> {};

    public QueueService(TaskStore store, Clock clock, Duration claimTimeout) {
        this.store = store;
        this.clock = clock;
        this.claimTimeout = claimTimeout;
        store.onPending(signals::signal);
    }

    public Duration claimTimeout() { return claimTimeout; }

    public Clock clock() { return clock; }

    // ---- reading

    public TaskRecord task(String taskId) {
        return store.findTask(taskId).orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
    }

    public TaskStatus status(String taskId) { return task(taskId).status(); }

    public Optional<TaskRecord> findTask(String taskId) { return store.findTask(taskId); }

    public Page<TaskRecord> taskGroup(String taskGroupId, String continuation, int limit) {
        return store.taskGroup(taskGroupId, continuation, limit);
    }

    public Page<String> dependents(String taskId, String continuation, int limit) {
        return store.dependents(taskId, continuation, limit);
    }

    public long pendingCount(String taskQueueId) { return store.countPending(taskQueueId); }

    public long runningCount(String taskQueueId) { return store.countRunning(taskQueueId); }

    /** listPendingTasks: in claim order. */
    public Page<TaskRecord> pendingTasks(String taskQueueId, String token, int limit) { return store.pendingTasks(taskQueueId, token, limit); }

    /** listClaimedTasks: in task id order. */
    public Page<TaskRecord> claimedTasks(String taskQueueId, String token, int limit) { return store.claimedTasks(taskQueueId, token, limit); }

    // ---- creating and scheduling

    /**
     * createTask: idempotent for an identical definition, a conflict for a different one. The task is pending
     * at once unless it waits for dependencies that are not yet satisfied.
     */
    public TaskStatus createTask(String taskId, TaskDefinition def) {
        Instant now = clock.instant();
        if (!def.deadline().isAfter(now)) {
            throw BerthException.input("deadline " + def.deadline() + " is already in the past");
        }
        requireDependenciesExist(taskId, def);
        boolean ready = dependenciesSatisfied(taskId, def);
        TaskRecord record = new TaskRecord(taskId, def, TaskLifecycle.created(taskId, def, ready, now));
        boolean inserted;
        try {
            inserted = store.insertTask(record);
        } catch (TaskGroupRefusedException refused) {
            // a retried createTask of a task that joined before the seal stays idempotent
            Optional<TaskRecord> existing = store.findTask(taskId);
            if (existing.isPresent() && existing.get().definition().equals(def)) return existing.get().status();
            TaskGroupRecord group = refused.group();
            if (group.isSealed()) {
                throw BerthException.conflict("task group " + def.taskGroupId() + " is sealed (since " + group.sealed()
                        + "): no new task can join it");
            }
            // as Taskcluster: a group's scoped actions (seal, cancel) name one scheduler id
            throw BerthException.conflict("task group " + def.taskGroupId() + " belongs to schedulerId '"
                    + group.schedulerId() + "'; this task names '" + def.schedulerId() + "'");
        }
        if (!inserted) {
            TaskRecord existing = task(taskId);
            if (!existing.definition().equals(def)) {
                throw BerthException.conflict("task " + taskId + " already exists with a different definition");
            }
            return existing.status();
        }
        if (!ready) {
            // A dependency may have resolved between our check and the insert; its resolution looked
            // for dependents before our edge existed, so look again now that it does.
            if (dependenciesSatisfied(taskId, def)) return scheduleIfUnscheduled(taskId);
        }
        return record.status();
    }

    // ---- task groups

    public TaskGroupRecord taskGroupInfo(String taskGroupId) {
        return store.findTaskGroup(taskGroupId)
                .orElseThrow(() -> BerthException.notFound("task group " + taskGroupId + " not found"));
    }

    public Optional<TaskGroupRecord> findTaskGroup(String taskGroupId) { return store.findTaskGroup(taskGroupId); }

    /** sealTaskGroup: idempotent; the first seal's time stays. */
    public TaskGroupRecord sealTaskGroup(String taskGroupId) {
        return store.sealTaskGroup(taskGroupId, clock.instant())
                .orElseThrow(() -> BerthException.notFound("task group " + taskGroupId + " not found"));
    }

    /** The answer of cancelTaskGroup: the group's size and the tasks this call canceled. */
    public record GroupCancellation(String taskGroupId, int taskGroupSize, List<String> canceledTaskIds) {
        public GroupCancellation {
            canceledTaskIds = List.copyOf(canceledTaskIds);
        }
    }

    /**
     * cancelTaskGroup: cancels every unresolved task of a sealed group, each as cancelTask does. Only a sealed
     * group, so that no task joins behind the sweep and escapes it.
     */
    public GroupCancellation cancelTaskGroup(String taskGroupId) {
        TaskGroupRecord group = taskGroupInfo(taskGroupId);
        if (!group.isSealed()) {
            throw BerthException.conflict("task group " + taskGroupId + " is not sealed: seal it before canceling it");
        }
        List<String> canceled = new ArrayList<>();
        int size = 0;
        String token = null;
        do {
            Page<TaskRecord> page = store.taskGroup(taskGroupId, token, SWEEP_BATCH);
            for (TaskRecord t : page.items()) {
                size++;
                if (t.status().state().isResolved()) continue;
                Optional<StatusChange> c = store.modify(t.taskId(), s -> TaskLifecycle.cancel(s, clock.instant()));
                if (c.isEmpty()) continue; // expired and deleted since the page was read
                if (c.get().changed()) afterChange(c.get());
                if (!c.get().before().status().state().isResolved()) canceled.add(t.taskId());
            }
            token = page.continuationToken();
        } while (token != null);
        return new GroupCancellation(taskGroupId, size, canceled);
    }

    public TaskStatus scheduleTask(String taskId) {
        return change(taskId, s -> TaskLifecycle.schedule(s, clock.instant())).after().status();
    }

    public TaskStatus cancelTask(String taskId) {
        return change(taskId, s -> TaskLifecycle.cancel(s, clock.instant())).after().status();
    }

    public TaskStatus rerunTask(String taskId) {
        int retries = task(taskId).definition().retries();
        return change(taskId, s -> TaskLifecycle.rerun(s, retries, clock.instant())).after().status();
    }

    // ---- workers

    /**
     * claimWork: claims up to {@code max} pending runs, waiting up to {@code wait} for work to appear.
     * Returns as soon as anything is claimed; wakes on new work rather than polling.
     */
    public List<Claim> claimWork(String taskQueueId, String workerGroup, String workerId, int max, Duration wait)
            throws InterruptedException {
        return claimWork(taskQueueId, workerGroup, workerId, max, wait, () -> true);
    }

    /**
     * claimWork for a worker that may go away while it waits: {@code listening} is asked before each attempt
     * to claim, and once it answers false nothing is claimed (an empty answer that nobody reads).
     */
    public List<Claim> claimWork(String taskQueueId, String workerGroup, String workerId, int max, Duration wait,
            BooleanSupplier listening) throws InterruptedException {
        // The wait is real elapsed time, measured on System.nanoTime(): the domain clock may stand still
        // (tests) or jump, and must not turn a long poll into an endless one.
        long giveUp = System.nanoTime() + wait.toNanos();
        boolean woken = false;
        while (true) {
            long seen = signals.generation(taskQueueId);
            List<Claim> claims;
            try {
                if (!listening.getAsBoolean()) {
                    if (woken) signals.signal(taskQueueId); // the wake-up this waiter took goes to another
                    return List.of();
                }
                claims = claimNow(taskQueueId, workerGroup, workerId, max);
            } catch (RuntimeException e) {
                if (woken) signals.signal(taskQueueId);
                throw e;
            }
            if (!claims.isEmpty()) return claims;
            long left = giveUp - System.nanoTime();
            if (left <= 0) return List.of();
            woken = signals.await(taskQueueId, seen, Duration.ofNanos(left));
        }
    }

    private List<Claim> claimNow(String taskQueueId, String workerGroup, String workerId, int max) {
        Instant now = clock.instant();
        Instant takenUntil = now.plus(claimTimeout);
        List<TaskRecord> claimed = store.claimPending(taskQueueId, max, s -> {
            int runId = s.latestRun().orElseThrow(() -> BerthException.conflict("no run to claim")).runId();
            return TaskLifecycle.claim(s, runId, workerGroup, workerId, takenUntil, now);
        });
        List<Claim> out = new ArrayList<>(claimed.size());
        for (TaskRecord r : claimed) {
            int runId = r.status().runs().size() - 1;
            out.add(new Claim(r.taskId(), runId, r.status(), r.definition(), workerGroup, workerId, takenUntil));
        }
        return out;
    }

    /** claimTask (the older, per-task claim). */
    public Claim claimTask(String taskId, int runId, String workerGroup, String workerId) {
        Instant now = clock.instant();
        Instant takenUntil = now.plus(claimTimeout);
        StatusChange c = change(taskId, s -> {
            TaskStatus next = TaskLifecycle.claim(s, runId, workerGroup, workerId, takenUntil, now);
            return next;
        });
        return new Claim(taskId, runId, c.after().status(), c.after().definition(), workerGroup, workerId, takenUntil);
    }

    /** reclaimTask: extends the claim; returns the new takenUntil with the status. */
    public Claim reclaimTask(String taskId, int runId) {
        Instant now = clock.instant();
        Instant takenUntil = now.plus(claimTimeout);
        StatusChange c = change(taskId, s -> TaskLifecycle.reclaim(s, runId, takenUntil, now));
        var run = c.after().status().runs().get(runId);
        return new Claim(taskId, runId, c.after().status(), c.after().definition(),
                run.workerGroup(), run.workerId(), takenUntil);
    }

    public TaskStatus reportCompleted(String taskId, int runId) {
        return change(taskId, s -> TaskLifecycle.resolve(s, runId, TaskState.COMPLETED, clock.instant())).after().status();
    }

    public TaskStatus reportFailed(String taskId, int runId) {
        return change(taskId, s -> TaskLifecycle.resolve(s, runId, TaskState.FAILED, clock.instant())).after().status();
    }

    public TaskStatus reportException(String taskId, int runId, ReasonResolved reason) {
        if (!ReasonResolved.WORKER_EXCEPTIONS.contains(reason)) {
            throw BerthException.input("reason must be one of worker-shutdown, malformed-payload, resource-unavailable, "
                    + "internal-error, intermittent-task, superseded; got '" + reason.wire() + "'");
        }
        return change(taskId, s -> TaskLifecycle.exception(s, runId, reason, clock.instant())).after().status();
    }

    /** Whether this worker still holds the run (used by workers' fast cancellation check). */
    public boolean isRunning(String taskId, int runId) {
        TaskStatus s = status(taskId);
        return runId == s.runs().size() - 1 && s.runs().get(runId).state() == TaskState.RUNNING;
    }

    // ---- background sweeps; each is safe to run concurrently on several servers

    /** Resolves runs whose claim lapsed as exception/claim-expired (with a retry run while retries remain). */
    public int expireClaims() {
        int n = 0;
        for (String taskId : store.expiredClaims(clock.instant(), SWEEP_BATCH)) {
            Optional<StatusChange> c = store.modify(taskId, s -> s.latestRun()
                    .map(r -> TaskLifecycle.expireClaim(s, r.runId(), clock.instant())).orElse(s));
            if (c.isPresent() && c.get().changed()) {
                n++;
                afterChange(c.get());
            }
        }
        return n;
    }

    /** Resolves unresolved tasks past their deadline as exception/deadline-exceeded. */
    public int enforceDeadlines() {
        int n = 0;
        for (String taskId : store.pastDeadline(clock.instant(), SWEEP_BATCH)) {
            Optional<StatusChange> c = store.modify(taskId, s -> TaskLifecycle.deadlineExceeded(s, clock.instant()));
            if (c.isPresent() && c.get().changed()) {
                n++;
                afterChange(c.get());
            }
        }
        return n;
    }

    /** Deletes tasks past their expires; returns their ids. */
    public List<String> expireTasks() {
        return expireTasksPreparing(id -> {});
    }

    /** Deletes tasks past their expires, first handing each id to {@code beforeDelete} (e.g. to drop artifact bytes). */
    public List<String> expireTasksPreparing(java.util.function.Consumer<String> beforeDelete) {
        List<String> ids = store.expiredTasks(clock.instant(), SWEEP_BATCH);
        for (String id : ids) {
            beforeDelete.accept(id);
            store.deleteTask(id);
        }
        store.deleteExpiredTaskGroups(clock.instant());
        return ids;
    }

    // ---- internals

    private StatusChange change(String taskId, UnaryOperator<TaskStatus> transition) {
        StatusChange c = store.modify(taskId, transition)
                .orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
        if (c.changed()) afterChange(c);
        return c;
    }

    /**
     * Told of every task that has just completed, after the change committed (the index uses it). What it
     * must not miss when the server dies first, the store keeps in an outbox.
     */
    public void onCompleted(java.util.function.Consumer<TaskRecord> listener) {
        this.onCompleted = listener;
    }

    /** What follows a status change: a task that resolved may release the tasks that depend on it. */
    private void afterChange(StatusChange c) {
        boolean wasResolved = c.before().status().state().isResolved();
        boolean isResolved = c.after().status().state().isResolved();
        if (c.after().status().state() == TaskState.COMPLETED && c.before().status().state() != TaskState.COMPLETED) {
            onCompleted.accept(c.after());
        }
        // The store may know, from the resolving transaction itself, that nothing depends on the task.
        if (isResolved && !wasResolved && !c.noDependents()) releaseDependents(c.after().taskId());
    }

    private void releaseDependents(String taskId) {
        String continuation = null;
        do {
            Page<String> page = store.dependents(taskId, continuation, 1000);
            for (String dependent : page.items()) {
                try {
                    store.findTask(dependent).ifPresent(d -> {
                        if (d.status().state() == TaskState.UNSCHEDULED
                                && dependenciesSatisfied(dependent, d.definition())) {
                            scheduleIfUnscheduled(dependent);
                        }
                    });
                } catch (BerthException e) {
                    // e.g. the dependent passed its deadline meanwhile; the deadline sweep resolves it
                    log.debug("dependent {} of {} not scheduled: {}", dependent, taskId, e.getMessage());
                }
            }
            continuation = page.continuationToken();
        } while (continuation != null);
    }

    private TaskStatus scheduleIfUnscheduled(String taskId) {
        return change(taskId, s -> s.state() == TaskState.UNSCHEDULED && s.deadline().isAfter(clock.instant())
                ? TaskLifecycle.schedule(s, clock.instant()) : s).after().status();
    }

    /**
     * As Taskcluster: a dependency on a task that does not exist is refused (it would wait until its deadline),
     * naming the missing ids; a task may list itself.
     */
    private void requireDependenciesExist(String taskId, TaskDefinition def) {
        List<String> others = def.dependencies().stream().filter(d -> !d.equals(taskId)).distinct().toList();
        if (others.isEmpty()) return;
        Map<String, TaskState> states = store.states(others);
        List<String> missing = others.stream().filter(d -> !states.containsKey(d)).toList();
        if (!missing.isEmpty()) {
            String shown = String.join(", ", missing.subList(0, Math.min(missing.size(), 20)))
                    + (missing.size() > 20 ? " and " + (missing.size() - 20) + " more" : "");
            throw BerthException.input("dependencies name " + missing.size() + " task(s) that do not exist: " + shown);
        }
    }

    private boolean dependenciesSatisfied(String taskId, TaskDefinition def) {
        List<String> deps = def.dependencies().stream().filter(d -> !d.equals(taskId)).toList();
        if (deps.isEmpty()) return def.dependencies().isEmpty();
        Map<String, TaskState> states = store.states(deps);
        for (String d : deps) {
            TaskState st = states.get(d);
            if (st == null || !def.requires().satisfiedBy(st)) return false;
        }
        // a task that lists itself waits for scheduleTask, as in Taskcluster
        return deps.size() == def.dependencies().size();
    }
}
