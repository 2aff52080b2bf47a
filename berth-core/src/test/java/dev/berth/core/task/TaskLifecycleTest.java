package dev.berth.core.task;

import static dev.berth.core.TestTasks.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TaskLifecycleTest {

    private static final String TASK_ID = "abcdefghijklmnopqrstuv";
    private static final Instant DEADLINE = NOW.plus(Duration.ofDays(1));
    private static final Instant LATER = NOW.plusSeconds(60);
    private static final Instant PAST_DEADLINE = DEADLINE.plusSeconds(1);

    private static TaskDefinition def(int retries) {
        var body = TestTasks.body(NOW);
        body.put("retries", retries);
        return TestTasks.definition(TASK_ID, body);
    }

    private static TaskStatus pending() { return pending(5); }

    private static TaskStatus pending(int retries) {
        return TaskLifecycle.created(TASK_ID, def(retries), true, NOW);
    }

    private static TaskStatus unscheduled() {
        return TaskLifecycle.created(TASK_ID, def(5), false, NOW);
    }

    private static TaskStatus running() { return running(5); }

    private static TaskStatus running(int retries) {
        return TaskLifecycle.claim(pending(retries), 0, "wg", "w1", LATER.plusSeconds(1200), LATER);
    }

    private static TaskStatus completed() {
        return TaskLifecycle.resolve(running(), 0, TaskState.COMPLETED, LATER);
    }

    private static void assertConflict(Runnable r, String messagePart) {
        assertThatThrownBy(r::run)
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT))
                .hasMessageContaining(messagePart);
    }

    @Nested
    class Created {

        @Test
        void taskWithSatisfiedDependenciesIsPendingWithScheduledRunZero() {
            TaskStatus s = pending();
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.runs()).containsExactly(Run.pending(0, ReasonCreated.SCHEDULED, NOW));
            assertThat(s.retriesLeft()).isEqualTo(5);
            assertThat(s.taskId()).isEqualTo(TASK_ID);
            assertThat(s.taskQueueId()).isEqualTo("berth/test");
            assertThat(s.provisionerId()).isEqualTo("berth");
            assertThat(s.workerType()).isEqualTo("test");
            assertThat(s.deadline()).isEqualTo(DEADLINE);
            assertThat(s.taskGroupId()).isEqualTo(TASK_ID);
        }

        @Test
        void taskWaitingForDependenciesIsUnscheduledWithNoRuns() {
            TaskStatus s = unscheduled();
            assertThat(s.state()).isEqualTo(TaskState.UNSCHEDULED);
            assertThat(s.runs()).isEmpty();
            assertThat(s.latestRun()).isEmpty();
        }
    }

    @Nested
    class Schedule {

        @Test
        void unscheduledTaskGetsPendingRunZero() {
            TaskStatus s = TaskLifecycle.schedule(unscheduled(), LATER);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.runs()).containsExactly(Run.pending(0, ReasonCreated.SCHEDULED, LATER));
        }

        @Test
        void schedulingAScheduledTaskIsANoOp() {
            TaskStatus p = pending();
            assertThat(TaskLifecycle.schedule(p, LATER)).isSameAs(p);
            TaskStatus r = running();
            assertThat(TaskLifecycle.schedule(r, LATER)).isSameAs(r);
        }

        @Test
        void schedulingPastTheDeadlineIsRefused() {
            assertConflict(() -> TaskLifecycle.schedule(unscheduled(), PAST_DEADLINE), "deadline");
        }

        @Test
        void schedulingExactlyAtTheDeadlineIsRefused() {
            assertConflict(() -> TaskLifecycle.schedule(unscheduled(), DEADLINE), "deadline");
        }
    }

    @Nested
    class Claim {

        @Test
        void pendingRunBecomesRunningForTheWorker() {
            Instant takenUntil = LATER.plusSeconds(1200);
            TaskStatus s = TaskLifecycle.claim(pending(), 0, "wg", "w1", takenUntil, LATER);
            assertThat(s.state()).isEqualTo(TaskState.RUNNING);
            Run run = s.runs().get(0);
            assertThat(run.state()).isEqualTo(TaskState.RUNNING);
            assertThat(run.workerGroup()).isEqualTo("wg");
            assertThat(run.workerId()).isEqualTo("w1");
            assertThat(run.takenUntil()).isEqualTo(takenUntil);
            assertThat(run.started()).isEqualTo(LATER);
            assertThat(run.scheduled()).isEqualTo(NOW);
            assertThat(run.reasonCreated()).isEqualTo(ReasonCreated.SCHEDULED);
        }

        @Test
        void runningRunCannotBeClaimedAgain() {
            assertConflict(() -> TaskLifecycle.claim(running(), 0, "wg", "w2", LATER, LATER), "not pending");
        }

        @Test
        void onlyTheLatestRunCanBeClaimed() {
            TaskStatus retried = TaskLifecycle.exception(running(), 0, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertConflict(() -> TaskLifecycle.claim(retried, 0, "wg", "w1", LATER, LATER), "not its latest run");
            assertThat(TaskLifecycle.claim(retried, 1, "wg", "w1", LATER, LATER).state()).isEqualTo(TaskState.RUNNING);
        }

        @Test
        void claimingARunThatDoesNotExistIsNotFound() {
            assertThatThrownBy(() -> TaskLifecycle.claim(pending(), 3, "wg", "w1", LATER, LATER))
                    .isInstanceOf(BerthException.class)
                    .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.NOT_FOUND));
            assertThatThrownBy(() -> TaskLifecycle.claim(unscheduled(), 0, "wg", "w1", LATER, LATER))
                    .isInstanceOf(BerthException.class)
                    .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.NOT_FOUND));
        }

        @Test
        void claimingPastTheDeadlineIsRefused() {
            assertConflict(() -> TaskLifecycle.claim(pending(), 0, "wg", "w1", PAST_DEADLINE.plusSeconds(60),
                    PAST_DEADLINE), "deadline");
        }

        @Test
        void resolvedRunCannotBeClaimed() {
            assertConflict(() -> TaskLifecycle.claim(completed(), 0, "wg", "w1", LATER, LATER), "not pending");
        }
    }

    @Nested
    class Reclaim {

        @Test
        void reclaimExtendsTakenUntilAndKeepsTheWorker() {
            Instant until = LATER.plusSeconds(5000);
            TaskStatus s = TaskLifecycle.reclaim(running(), 0, until, LATER.plusSeconds(600));
            Run run = s.runs().get(0);
            assertThat(run.takenUntil()).isEqualTo(until);
            assertThat(run.state()).isEqualTo(TaskState.RUNNING);
            assertThat(run.workerId()).isEqualTo("w1");
            assertThat(run.started()).isEqualTo(LATER);
        }

        @Test
        void pendingRunCannotBeReclaimed() {
            assertConflict(() -> TaskLifecycle.reclaim(pending(), 0, LATER, LATER), "cannot be reclaimed");
        }

        @Test
        void resolvedRunCannotBeReclaimed() {
            assertConflict(() -> TaskLifecycle.reclaim(completed(), 0, LATER, LATER), "completed/completed");
        }

        @Test
        void reclaimPastTheDeadlineIsRefused() {
            assertConflict(() -> TaskLifecycle.reclaim(running(), 0, PAST_DEADLINE, PAST_DEADLINE), "deadline");
        }
    }

    @Nested
    class Resolve {

        @ParameterizedTest
        @EnumSource(value = TaskState.class, names = {"COMPLETED", "FAILED"})
        void runningRunResolvesWithTheOutcome(TaskState outcome) {
            Instant at = LATER.plusSeconds(30);
            TaskStatus s = TaskLifecycle.resolve(running(), 0, outcome, at);
            assertThat(s.state()).isEqualTo(outcome);
            Run run = s.runs().get(0);
            assertThat(run.state()).isEqualTo(outcome);
            assertThat(run.reasonResolved()).isEqualTo(
                    outcome == TaskState.COMPLETED ? ReasonResolved.COMPLETED : ReasonResolved.FAILED);
            assertThat(run.resolved()).isEqualTo(at);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.retriesLeft()).isEqualTo(5);
        }

        @ParameterizedTest
        @EnumSource(value = TaskState.class, names = {"COMPLETED", "FAILED"})
        void reportingTheSameOutcomeTwiceIsANoOp(TaskState outcome) {
            TaskStatus once = TaskLifecycle.resolve(running(), 0, outcome, LATER);
            assertThat(TaskLifecycle.resolve(once, 0, outcome, LATER.plusSeconds(10))).isSameAs(once);
        }

        @Test
        void reportingADifferentOutcomeIsAConflict() {
            assertConflict(() -> TaskLifecycle.resolve(completed(), 0, TaskState.FAILED, LATER), "not running");
            TaskStatus failed = TaskLifecycle.resolve(running(), 0, TaskState.FAILED, LATER);
            assertConflict(() -> TaskLifecycle.resolve(failed, 0, TaskState.COMPLETED, LATER), "not running");
        }

        @Test
        void pendingRunCannotBeResolved() {
            assertConflict(() -> TaskLifecycle.resolve(pending(), 0, TaskState.COMPLETED, LATER), "pending, not running");
        }

        @Test
        void resolveRefusesNonFinalOutcomes() {
            assertThatThrownBy(() -> TaskLifecycle.resolve(running(), 0, TaskState.EXCEPTION, LATER))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> TaskLifecycle.resolve(running(), 0, TaskState.PENDING, LATER))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void canceledRunCannotBeReportedCompleted() {
            TaskStatus canceled = TaskLifecycle.cancel(running(), LATER);
            assertConflict(() -> TaskLifecycle.resolve(canceled, 0, TaskState.COMPLETED, LATER), "exception/canceled");
        }
    }

    @Nested
    class Exception {

        @ParameterizedTest
        @EnumSource(value = ReasonResolved.class, names = {"WORKER_SHUTDOWN", "CLAIM_EXPIRED"})
        void workerShutdownAndClaimExpiredAddARetryRunAndUseARetry(ReasonResolved reason) {
            Instant at = LATER.plusSeconds(30);
            TaskStatus s = TaskLifecycle.exception(running(), 0, reason, at);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.retriesLeft()).isEqualTo(4);
            assertThat(s.runs()).hasSize(2);
            Run first = s.runs().get(0);
            assertThat(first.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(first.reasonResolved()).isEqualTo(reason);
            assertThat(first.resolved()).isEqualTo(at);
            assertThat(s.runs().get(1)).isEqualTo(Run.pending(1, ReasonCreated.RETRY, at));
        }

        @Test
        void intermittentTaskAddsATaskRetryRun() {
            TaskStatus s = TaskLifecycle.exception(running(), 0, ReasonResolved.INTERMITTENT_TASK, LATER);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.retriesLeft()).isEqualTo(4);
            assertThat(s.runs().get(1)).isEqualTo(Run.pending(1, ReasonCreated.TASK_RETRY, LATER));
        }

        @ParameterizedTest
        @EnumSource(value = ReasonResolved.class,
                names = {"MALFORMED_PAYLOAD", "RESOURCE_UNAVAILABLE", "INTERNAL_ERROR", "SUPERSEDED"})
        void otherExceptionsResolveTheTaskWithoutRetry(ReasonResolved reason) {
            TaskStatus s = TaskLifecycle.exception(running(), 0, reason, LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.runs().get(0).reasonResolved()).isEqualTo(reason);
            assertThat(s.retriesLeft()).isEqualTo(5);
        }

        @Test
        void noRetryWhenNoRetriesAreLeft() {
            TaskStatus s = TaskLifecycle.exception(running(0), 0, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.retriesLeft()).isZero();
        }

        @Test
        void retriesRunOutAfterTheConfiguredNumber() {
            TaskStatus s = running(2);
            for (int i = 0; i < 2; i++) {
                s = TaskLifecycle.exception(s, i, ReasonResolved.WORKER_SHUTDOWN, LATER);
                assertThat(s.state()).isEqualTo(TaskState.PENDING);
                s = TaskLifecycle.claim(s, i + 1, "wg", "w1", LATER.plusSeconds(600), LATER);
            }
            assertThat(s.retriesLeft()).isZero();
            s = TaskLifecycle.exception(s, 2, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(3);
        }

        @Test
        void noRetryPastTheDeadline() {
            TaskStatus s = TaskLifecycle.exception(running(), 0, ReasonResolved.CLAIM_EXPIRED, DEADLINE);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.retriesLeft()).isEqualTo(5);
        }

        @Test
        void reportingTheSameExceptionTwiceIsANoOp() {
            TaskStatus once = TaskLifecycle.exception(running(), 0, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertThat(TaskLifecycle.exception(once, 0, ReasonResolved.WORKER_SHUTDOWN, LATER)).isSameAs(once);
            TaskStatus malformed = TaskLifecycle.exception(running(), 0, ReasonResolved.MALFORMED_PAYLOAD, LATER);
            assertThat(TaskLifecycle.exception(malformed, 0, ReasonResolved.MALFORMED_PAYLOAD, LATER)).isSameAs(malformed);
        }

        @Test
        void reportingADifferentExceptionOrAnExceptionAfterCompletionIsAConflict() {
            TaskStatus malformed = TaskLifecycle.exception(running(), 0, ReasonResolved.MALFORMED_PAYLOAD, LATER);
            assertConflict(() -> TaskLifecycle.exception(malformed, 0, ReasonResolved.INTERNAL_ERROR, LATER), "not running");
            assertConflict(() -> TaskLifecycle.exception(completed(), 0, ReasonResolved.INTERNAL_ERROR, LATER), "not running");
        }

        @Test
        void pendingRunCannotBeResolvedAsException() {
            assertConflict(() -> TaskLifecycle.exception(pending(), 0, ReasonResolved.WORKER_SHUTDOWN, LATER), "not running");
        }
    }

    @Nested
    class ExpireClaim {

        private final Instant takenUntil = LATER.plusSeconds(1200);

        @Test
        void claimStillHeldIsLeftAlone() {
            TaskStatus r = running();
            assertThat(TaskLifecycle.expireClaim(r, 0, takenUntil.minusMillis(1))).isSameAs(r);
        }

        @Test
        void lapsedClaimResolvesAsClaimExpiredWithARetryRun() {
            TaskStatus s = TaskLifecycle.expireClaim(running(), 0, takenUntil);
            assertThat(s.runs().get(0).reasonResolved()).isEqualTo(ReasonResolved.CLAIM_EXPIRED);
            assertThat(s.runs().get(1).reasonCreated()).isEqualTo(ReasonCreated.RETRY);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.retriesLeft()).isEqualTo(4);
        }

        @Test
        void runsThatAreNotRunningAreLeftAlone() {
            TaskStatus p = pending();
            assertThat(TaskLifecycle.expireClaim(p, 0, PAST_DEADLINE)).isSameAs(p);
            TaskStatus c = completed();
            assertThat(TaskLifecycle.expireClaim(c, 0, PAST_DEADLINE)).isSameAs(c);
        }

        @Test
        void olderRunIsLeftAlone() {
            TaskStatus retried = TaskLifecycle.exception(running(), 0, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertThat(TaskLifecycle.expireClaim(retried, 0, PAST_DEADLINE)).isSameAs(retried);
        }
    }

    @Nested
    class Cancel {

        @Test
        void unscheduledTaskGetsAnExceptionRunZeroCreatedByException() {
            TaskStatus s = TaskLifecycle.cancel(unscheduled(), LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            Run run = s.runs().get(0);
            assertThat(run.runId()).isZero();
            assertThat(run.reasonCreated()).isEqualTo(ReasonCreated.EXCEPTION);
            assertThat(run.reasonResolved()).isEqualTo(ReasonResolved.CANCELED);
            assertThat(run.scheduled()).isEqualTo(LATER);
            assertThat(run.resolved()).isEqualTo(LATER);
        }

        @Test
        void pendingRunIsResolvedAsCanceled() {
            TaskStatus s = TaskLifecycle.cancel(pending(), LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.runs().get(0).reasonResolved()).isEqualTo(ReasonResolved.CANCELED);
            assertThat(s.runs().get(0).reasonCreated()).isEqualTo(ReasonCreated.SCHEDULED);
        }

        @Test
        void runningRunIsResolvedAsCanceledWithoutRetry() {
            TaskStatus s = TaskLifecycle.cancel(running(), LATER);
            assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.runs()).hasSize(1);
            assertThat(s.runs().get(0).reasonResolved()).isEqualTo(ReasonResolved.CANCELED);
            assertThat(s.runs().get(0).workerId()).isEqualTo("w1");
            assertThat(s.retriesLeft()).isEqualTo(5);
        }

        @Test
        void resolvedTaskIsLeftAsItIs() {
            TaskStatus c = completed();
            assertThat(TaskLifecycle.cancel(c, LATER)).isSameAs(c);
            TaskStatus canceled = TaskLifecycle.cancel(pending(), LATER);
            assertThat(TaskLifecycle.cancel(canceled, LATER)).isSameAs(canceled);
        }
    }

    @Nested
    class DeadlineExceeded {

        @Test
        void beforeTheDeadlineNothingChanges() {
            TaskStatus r = running();
            assertThat(TaskLifecycle.deadlineExceeded(r, DEADLINE.minusMillis(1))).isSameAs(r);
        }

        @Test
        void unresolvedTasksResolveAsDeadlineExceeded() {
            for (TaskStatus s : List.of(unscheduled(), pending(), running())) {
                TaskStatus after = TaskLifecycle.deadlineExceeded(s, DEADLINE);
                assertThat(after.state()).as("from %s", s.state()).isEqualTo(TaskState.EXCEPTION);
                assertThat(after.latestRun().orElseThrow().reasonResolved()).isEqualTo(ReasonResolved.DEADLINE_EXCEEDED);
                assertThat(after.runs()).hasSize(1);
            }
        }

        @Test
        void resolvedTaskIsLeftAsItIs() {
            TaskStatus c = completed();
            assertThat(TaskLifecycle.deadlineExceeded(c, PAST_DEADLINE)).isSameAs(c);
        }
    }

    @Nested
    class Rerun {

        @Test
        void resolvedTaskGetsAPendingRerunRun() {
            TaskStatus s = TaskLifecycle.rerun(completed(), 5, LATER.plusSeconds(5));
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.runs()).hasSize(2);
            assertThat(s.runs().get(1)).isEqualTo(Run.pending(1, ReasonCreated.RERUN, LATER.plusSeconds(5)));
            assertThat(s.runs().get(0).state()).isEqualTo(TaskState.COMPLETED);
        }

        @Test
        void failedAndExceptionTasksCanBeRerun() {
            TaskStatus failed = TaskLifecycle.resolve(running(), 0, TaskState.FAILED, LATER);
            assertThat(TaskLifecycle.rerun(failed, 5, LATER).state()).isEqualTo(TaskState.PENDING);
            TaskStatus canceled = TaskLifecycle.cancel(unscheduled(), LATER);
            TaskStatus rerun = TaskLifecycle.rerun(canceled, 5, LATER);
            assertThat(rerun.state()).isEqualTo(TaskState.PENDING);
            assertThat(rerun.runs().get(1).reasonCreated()).isEqualTo(ReasonCreated.RERUN);
        }

        @Test
        void pendingAndRunningTasksAreLeftAsTheyAre() {
            TaskStatus p = pending();
            assertThat(TaskLifecycle.rerun(p, 5, LATER)).isSameAs(p);
            TaskStatus r = running();
            assertThat(TaskLifecycle.rerun(r, 5, LATER)).isSameAs(r);
        }

        @Test
        void unscheduledTaskIsScheduledByRerunWhateverItsDependencies() {
            TaskStatus s = TaskLifecycle.rerun(unscheduled(), 5, LATER);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
            assertThat(s.runs()).containsExactly(Run.pending(0, ReasonCreated.RERUN, LATER));
        }

        @Test
        void rerunGivesTheTaskItsRetriesBack() {
            TaskStatus exhausted = TaskLifecycle.exception(running(), 0, ReasonResolved.MALFORMED_PAYLOAD, LATER);
            assertThat(TaskLifecycle.rerun(exhausted, 7, LATER).retriesLeft()).isEqualTo(7);
        }

        @Test
        void rerunPastTheDeadlineIsRefused() {
            assertConflict(() -> TaskLifecycle.rerun(completed(), 5, PAST_DEADLINE), "deadline");
        }
    }

    @Nested
    class MaxRuns {

        /** A resolved task with {@code n} runs, all completed. */
        private TaskStatus resolvedWithRuns(int n) {
            TaskStatus base = completed();
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                runs.add(new Run(i, TaskState.COMPLETED, i == 0 ? ReasonCreated.SCHEDULED : ReasonCreated.RERUN,
                        ReasonResolved.COMPLETED, "wg", "w1", LATER, NOW, NOW, LATER));
            }
            return base.withRuns(runs, base.retriesLeft());
        }

        @Test
        void rerunIsRefusedOnceTheTaskHasMaxRuns() {
            assertConflict(() -> TaskLifecycle.rerun(resolvedWithRuns(TaskLifecycle.MAX_RUNS), 5, LATER),
                    TaskLifecycle.MAX_RUNS + " runs");
        }

        @Test
        void rerunMayCreateTheLastAllowedRun() {
            TaskStatus s = TaskLifecycle.rerun(resolvedWithRuns(TaskLifecycle.MAX_RUNS - 1), 5, LATER);
            assertThat(s.runs()).hasSize(TaskLifecycle.MAX_RUNS);
            assertThat(s.state()).isEqualTo(TaskState.PENDING);
        }

        @Test
        void noRetryRunIsAddedOnceTheTaskHasMaxRuns() {
            TaskStatus s = resolvedWithRuns(TaskLifecycle.MAX_RUNS - 1);
            s = TaskLifecycle.rerun(s, 5, LATER);
            s = TaskLifecycle.claim(s, TaskLifecycle.MAX_RUNS - 1, "wg", "w1", LATER.plusSeconds(600), LATER);
            TaskStatus after = TaskLifecycle.exception(s, TaskLifecycle.MAX_RUNS - 1, ReasonResolved.WORKER_SHUTDOWN, LATER);
            assertThat(after.runs()).hasSize(TaskLifecycle.MAX_RUNS);
            assertThat(after.state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(after.retriesLeft()).isEqualTo(s.retriesLeft());
        }
    }
}
