package dev.berth.core.task;

import dev.berth.core.BerthException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every allowed change of a task's status, in one place. Each method is a pure function from the
 * current status to the next one; it throws {@link BerthException} (CONFLICT) when the change is not
 * allowed, and returns the same instance when the change is a no-op (so callers can skip the write).
 */
public final class TaskLifecycle {

    /** Taskcluster caps the number of runs of a task. */
    public static final int MAX_RUNS = 50;

    private TaskLifecycle() {}

    /** Status of a newly created task: pending with run 0 when nothing holds it back, else unscheduled. */
    public static TaskStatus created(String taskId, TaskDefinition def, boolean dependenciesSatisfied, Instant now) {
        List<Run> runs = dependenciesSatisfied ? List.of(Run.pending(0, ReasonCreated.SCHEDULED, now)) : List.of();
        TaskStatus empty = new TaskStatus(taskId, def.provisionerId(), def.workerType(), def.taskQueueId(),
                def.schedulerId(), def.projectId(), def.taskGroupId(), def.deadline(), def.expires(), def.retries(),
                TaskState.UNSCHEDULED, List.of());
        return empty.withRuns(runs, def.retries());
    }

    /** scheduleTask, or the dependency tracker: an unscheduled task gets its first pending run. */
    public static TaskStatus schedule(TaskStatus s, Instant now) {
        if (s.state() != TaskState.UNSCHEDULED) return s;
        requireBeforeDeadline(s, now);
        return s.withRuns(List.of(Run.pending(0, ReasonCreated.SCHEDULED, now)), s.retriesLeft());
    }

    /** claimWork / claimTask: the latest run, pending, becomes running for this worker. */
    public static TaskStatus claim(TaskStatus s, int runId, String workerGroup, String workerId,
                                   Instant takenUntil, Instant now) {
        Run run = latest(s, runId);
        if (run.state() != TaskState.PENDING) {
            throw BerthException.conflict("run " + runId + " of task " + s.taskId() + " is " + run.state().wire()
                    + ", not pending; it cannot be claimed");
        }
        requireBeforeDeadline(s, now);
        return replaceLatest(s, run.claimed(workerGroup, workerId, takenUntil, now), s.retriesLeft());
    }

    /** reclaimTask: extends the claim of a running run. */
    public static TaskStatus reclaim(TaskStatus s, int runId, Instant takenUntil, Instant now) {
        Run run = requireRunning(s, runId, "reclaimed");
        requireBeforeDeadline(s, now);
        return replaceLatest(s, run.withTakenUntil(takenUntil), s.retriesLeft());
    }

    /** reportCompleted / reportFailed. Reporting the same outcome twice is a no-op, as in Taskcluster. */
    public static TaskStatus resolve(TaskStatus s, int runId, TaskState outcome, Instant now) {
        if (outcome != TaskState.COMPLETED && outcome != TaskState.FAILED) {
            throw new IllegalArgumentException("resolve takes completed or failed; use exception() for exceptions");
        }
        ReasonResolved reason = outcome == TaskState.COMPLETED ? ReasonResolved.COMPLETED : ReasonResolved.FAILED;
        Run run = runOf(s, runId);
        if (run.state() == outcome && run.reasonResolved() == reason) return s;
        run = requireRunning(s, runId, "resolved");
        return replaceLatest(s, run.resolvedAs(outcome, reason, now), s.retriesLeft());
    }

    /**
     * reportException by the worker, or claim expiry by the queue. Reasons worker-shutdown and
     * claim-expired add a {@code retry} run, intermittent-task a {@code task-retry} run, while retries remain.
     */
    public static TaskStatus exception(TaskStatus s, int runId, ReasonResolved reason, Instant now) {
        Run run = runOf(s, runId);
        if (run.state() == TaskState.EXCEPTION && run.reasonResolved() == reason) return s;
        run = requireRunning(s, runId, "resolved");
        List<Run> runs = new ArrayList<>(s.runs());
        runs.set(runs.size() - 1, run.resolvedAs(TaskState.EXCEPTION, reason, now));
        int retriesLeft = s.retriesLeft();
        ReasonCreated retryReason = switch (reason) {
            case WORKER_SHUTDOWN, CLAIM_EXPIRED -> ReasonCreated.RETRY;
            case INTERMITTENT_TASK -> ReasonCreated.TASK_RETRY;
            default -> null;
        };
        if (retryReason != null && retriesLeft > 0 && runs.size() < MAX_RUNS && now.isBefore(s.deadline())) {
            runs.add(Run.pending(runs.size(), retryReason, now));
            retriesLeft--;
        }
        return s.withRuns(runs, retriesLeft);
    }

    /** The queue's claim-expiry job: only acts when the run's claim has really lapsed. */
    public static TaskStatus expireClaim(TaskStatus s, int runId, Instant now) {
        Run run = runOf(s, runId);
        if (run.state() != TaskState.RUNNING || run.takenUntil() == null || run.takenUntil().isAfter(now)
                || run.runId() != s.runs().size() - 1) {
            return s;
        }
        return exception(s, runId, ReasonResolved.CLAIM_EXPIRED, now);
    }

    /** cancelTask: resolves an unresolved task as exception/canceled; a resolved task is left as it is. */
    public static TaskStatus cancel(TaskStatus s, Instant now) {
        return abort(s, ReasonResolved.CANCELED, now);
    }

    /** The deadline job: an unresolved task past its deadline becomes exception/deadline-exceeded. */
    public static TaskStatus deadlineExceeded(TaskStatus s, Instant now) {
        if (now.isBefore(s.deadline())) return s;
        return abort(s, ReasonResolved.DEADLINE_EXCEEDED, now);
    }

    /**
     * rerunTask: a resolved task gets a new pending {@code rerun} run and its retries back; an unscheduled
     * task is scheduled whatever its dependencies say; pending or running tasks are left as they are.
     */
    public static TaskStatus rerun(TaskStatus s, int retries, Instant now) {
        if (s.state() == TaskState.PENDING || s.state() == TaskState.RUNNING) return s;
        requireBeforeDeadline(s, now);
        if (s.runs().size() >= MAX_RUNS) {
            throw BerthException.conflict("task " + s.taskId() + " already has " + MAX_RUNS + " runs, the most a task may have");
        }
        List<Run> runs = new ArrayList<>(s.runs());
        runs.add(Run.pending(runs.size(), ReasonCreated.RERUN, now));
        return s.withRuns(runs, retries);
    }

    private static TaskStatus abort(TaskStatus s, ReasonResolved reason, Instant now) {
        if (s.state().isResolved()) return s;
        List<Run> runs = new ArrayList<>(s.runs());
        if (s.state() == TaskState.UNSCHEDULED) {
            runs.add(new Run(0, TaskState.EXCEPTION, ReasonCreated.EXCEPTION, reason, null, null, null, now, null, now));
        } else {
            Run last = runs.get(runs.size() - 1);
            runs.set(runs.size() - 1, last.resolvedAs(TaskState.EXCEPTION, reason, now));
        }
        return s.withRuns(runs, s.retriesLeft());
    }

    private static void requireBeforeDeadline(TaskStatus s, Instant now) {
        if (!now.isBefore(s.deadline())) {
            throw BerthException.conflict("task " + s.taskId() + " is past its deadline " + s.deadline());
        }
    }

    private static Run runOf(TaskStatus s, int runId) {
        if (runId < 0 || runId >= s.runs().size()) {
            throw BerthException.notFound("task " + s.taskId() + " has no run " + runId);
        }
        return s.runs().get(runId);
    }

    private static Run latest(TaskStatus s, int runId) {
        Run run = runOf(s, runId);
        if (runId != s.runs().size() - 1) {
            throw BerthException.conflict("run " + runId + " of task " + s.taskId() + " is not its latest run");
        }
        return run;
    }

    private static Run requireRunning(TaskStatus s, int runId, String verb) {
        Run run = latest(s, runId);
        if (run.state() != TaskState.RUNNING) {
            throw BerthException.conflict("run " + runId + " of task " + s.taskId() + " is " + run.state().wire()
                    + (run.reasonResolved() != null ? "/" + run.reasonResolved().wire() : "")
                    + ", not running; it cannot be " + verb);
        }
        return run;
    }

    private static TaskStatus replaceLatest(TaskStatus s, Run run, int retriesLeft) {
        List<Run> runs = new ArrayList<>(s.runs());
        runs.set(runs.size() - 1, run);
        return s.withRuns(runs, retriesLeft);
    }
}
