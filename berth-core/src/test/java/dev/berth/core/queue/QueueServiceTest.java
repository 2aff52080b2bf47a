package dev.berth.core.queue;

import static dev.berth.core.TestTasks.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import dev.berth.core.json.Json;
import dev.berth.core.task.Priority;
import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QueueServiceTest {

    private static final String QUEUE = "berth/test";
    private static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(20);

    private final MutableClock clock = new MutableClock(NOW);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final QueueService queue = new QueueService(store, clock, CLAIM_TIMEOUT);
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    // ---- helpers

    private ObjectNode body() { return TestTasks.body(clock.instant()); }

    private String create(Consumer<ObjectNode> edit) {
        String id = TestTasks.newTaskId();
        ObjectNode b = body();
        edit.accept(b);
        queue.createTask(id, TestTasks.definition(id, b));
        return id;
    }

    private String create() { return create(b -> {}); }

    private String createDependingOn(String requires, String... deps) {
        return create(b -> {
            b.put("requires", requires);
            var arr = b.putArray("dependencies");
            for (String d : deps) arr.add(d);
        });
    }

    private List<Claim> claimNow(int max) throws InterruptedException {
        return queue.claimWork(QUEUE, "wg", "w1", max, Duration.ZERO);
    }

    /** Claims the task (which must be the only pending one) and returns its run id. */
    private int claim(String taskId) throws InterruptedException {
        List<Claim> claims = claimNow(1);
        assertThat(claims).extracting(Claim::taskId).containsExactly(taskId);
        return claims.get(0).runId();
    }

    private void complete(String taskId) throws InterruptedException {
        queue.reportCompleted(taskId, claim(taskId));
    }

    private void fail(String taskId) throws InterruptedException {
        queue.reportFailed(taskId, claim(taskId));
    }

    private TaskState state(String taskId) { return queue.status(taskId).state(); }

    private static void assertKind(Throwable t, BerthException.Kind kind) {
        assertThat(t).isInstanceOf(BerthException.class);
        assertThat(((BerthException) t).kind()).isEqualTo(kind);
    }

    // ---- task groups

    private String createInGroup(String group) { return create(b -> b.put("taskGroupId", group)); }

    @Test
    void firstTaskOfAGroupCreatesTheGroupWithItsSchedulerIdAndAnExpiryPastItsOwn() {
        String group = TestTasks.newTaskId();
        String id = createInGroup(group);
        var g = queue.taskGroupInfo(group);
        assertThat(g.schedulerId()).isEqualTo(queue.task(id).definition().schedulerId());
        assertThat(g.expires()).isEqualTo(queue.task(id).definition().expires().plus(dev.berth.core.store.TaskStore.GROUP_EXPIRY_MARGIN));
        assertThat(g.isSealed()).isFalse();
    }

    @Test
    void unknownTaskGroupIsNotFoundForGetSealAndCancel() {
        String group = TestTasks.newTaskId();
        assertKind(catchThrowable(() -> queue.taskGroupInfo(group)), BerthException.Kind.NOT_FOUND);
        assertKind(catchThrowable(() -> queue.sealTaskGroup(group)), BerthException.Kind.NOT_FOUND);
        assertKind(catchThrowable(() -> queue.cancelTaskGroup(group)), BerthException.Kind.NOT_FOUND);
    }

    @Test
    void noNewTaskJoinsASealedGroupAndTheConflictNamesTheGroup() {
        String group = TestTasks.newTaskId();
        createInGroup(group);
        var sealed = queue.sealTaskGroup(group);
        assertThat(sealed.sealed()).isEqualTo(clock.instant());
        Throwable t = catchThrowable(() -> createInGroup(group));
        assertKind(t, BerthException.Kind.CONFLICT);
        assertThat(t).hasMessageContaining(group).hasMessageContaining("sealed");
        assertThat(queue.taskGroup(group, null, 100).items()).hasSize(1);
    }

    @Test
    void aTaskNamingAnotherSchedulerIdThanItsGroupIsAConflict() {
        String group = TestTasks.newTaskId();
        createInGroup(group);
        Throwable t = catchThrowable(() -> create(b -> b.put("taskGroupId", group).put("schedulerId", "someone-else")));
        assertKind(t, BerthException.Kind.CONFLICT);
        assertThat(t).hasMessageContaining(group).hasMessageContaining("someone-else");
    }

    @Test
    void recreatingAnIdenticalTaskInASealedGroupStaysIdempotent() {
        String group = TestTasks.newTaskId();
        String id = TestTasks.newTaskId();
        ObjectNode b = body().put("taskGroupId", group);
        TaskStatus first = queue.createTask(id, TestTasks.definition(id, b));
        queue.sealTaskGroup(group);
        assertThat(queue.createTask(id, TestTasks.definition(id, b.deepCopy()))).isEqualTo(first);
        b.put("priority", "high");
        assertKind(catchThrowable(() -> queue.createTask(id, TestTasks.definition(id, b))), BerthException.Kind.CONFLICT);
    }

    @Test
    void sealingTwiceKeepsTheFirstSealTime() {
        String group = TestTasks.newTaskId();
        createInGroup(group);
        var first = queue.sealTaskGroup(group).sealed();
        clock.advance(Duration.ofMinutes(3));
        assertThat(queue.sealTaskGroup(group).sealed()).isEqualTo(first);
    }

    @Test
    void cancelingAnUnsealedGroupIsAConflictAndCancelsNothing() {
        String group = TestTasks.newTaskId();
        String id = createInGroup(group);
        Throwable t = catchThrowable(() -> queue.cancelTaskGroup(group));
        assertKind(t, BerthException.Kind.CONFLICT);
        assertThat(t).hasMessageContaining(group);
        assertThat(state(id)).isEqualTo(TaskState.PENDING);
    }

    @Test
    void cancelTaskGroupCancelsEveryUnresolvedTaskAndLeavesResolvedOnesAlone() throws Exception {
        String group = TestTasks.newTaskId();
        String done = createInGroup(group);
        complete(done);
        String running = createInGroup(group);
        claim(running);
        String unscheduled = create(b -> {
            b.put("taskGroupId", group);
            b.putArray("dependencies").add(running);
        });
        List<String> pending = new ArrayList<>();
        for (int i = 0; i < 250; i++) pending.add(createInGroup(group)); // more than one page of the sweep
        String elsewhere = create();
        queue.sealTaskGroup(group);

        QueueService.GroupCancellation result = queue.cancelTaskGroup(group);

        assertThat(result.taskGroupSize()).isEqualTo(253);
        List<String> expected = new ArrayList<>(pending);
        expected.add(running);
        expected.add(unscheduled);
        assertThat(result.canceledTaskIds()).containsExactlyInAnyOrderElementsOf(expected);
        for (String id : expected) {
            assertThat(queue.status(id).state()).isEqualTo(TaskState.EXCEPTION);
            assertThat(queue.status(id).runs().getLast().reasonResolved()).isEqualTo(ReasonResolved.CANCELED);
        }
        assertThat(state(done)).isEqualTo(TaskState.COMPLETED);
        assertThat(state(elsewhere)).isEqualTo(TaskState.PENDING);
        assertThat(queue.pendingCount(QUEUE)).isEqualTo(1);

        // a second call cancels nothing new
        assertThat(queue.cancelTaskGroup(group).canceledTaskIds()).isEmpty();
    }

    // ---- createTask

    @Test
    void createdTaskWithoutDependenciesIsPendingAtOnce() {
        String id = create();
        TaskStatus s = queue.status(id);
        assertThat(s.state()).isEqualTo(TaskState.PENDING);
        assertThat(s.runs()).containsExactly(Run.pending(0, ReasonCreated.SCHEDULED, NOW));
        assertThat(queue.pendingCount(QUEUE)).isEqualTo(1);
    }

    @Test
    void createTaskIsIdempotentForAnIdenticalBody() {
        String id = TestTasks.newTaskId();
        TaskStatus first = queue.createTask(id, TestTasks.definition(id, body()));
        clock.advance(Duration.ofSeconds(5));
        TaskStatus again = queue.createTask(id, TestTasks.definition(id, TestTasks.body(NOW)));
        assertThat(again).isEqualTo(first);
        assertThat(queue.pendingCount(QUEUE)).isEqualTo(1);
    }

    @Test
    void createTaskWithTheSameIdButADifferentBodyIsAConflict() {
        String id = TestTasks.newTaskId();
        queue.createTask(id, TestTasks.definition(id, body()));
        ObjectNode other = body();
        other.put("priority", "high");
        assertThatThrownBy(() -> queue.createTask(id, TestTasks.definition(id, other)))
                .satisfies(e -> assertKind(e, BerthException.Kind.CONFLICT))
                .hasMessageContaining("different definition");
        assertThat(queue.task(id).definition().priority()).isEqualTo(Priority.LOWEST);
    }

    @Test
    void createTaskWithADeadlineAlreadyPastIsBadInput() {
        String id = TestTasks.newTaskId();
        TaskDefinition d = TestTasks.definition(id, body());
        clock.advance(Duration.ofDays(2));
        assertThatThrownBy(() -> queue.createTask(id, d))
                .satisfies(e -> assertKind(e, BerthException.Kind.INPUT_ERROR))
                .hasMessageContaining("deadline");
        assertThatThrownBy(() -> queue.task(id)).satisfies(e -> assertKind(e, BerthException.Kind.NOT_FOUND));
    }

    @Test
    void unknownTaskIsNotFound() {
        assertThatThrownBy(() -> queue.status("nosuchtaskxxxxxxxxxxxx"))
                .satisfies(e -> assertKind(e, BerthException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> queue.reportCompleted("nosuchtaskxxxxxxxxxxxx", 0))
                .satisfies(e -> assertKind(e, BerthException.Kind.NOT_FOUND));
    }

    // ---- dependencies

    @Test
    void dependentStaysUnscheduledUntilAllDependenciesComplete() throws Exception {
        String a = create();
        String b = create();
        String c = createDependingOn("all-completed", a, b);
        assertThat(state(c)).isEqualTo(TaskState.UNSCHEDULED);
        assertThat(queue.dependents(a, null, 10).items()).containsExactly(c);

        complete(a);
        assertThat(state(c)).isEqualTo(TaskState.UNSCHEDULED);

        complete(b);
        TaskStatus s = queue.status(c);
        assertThat(s.state()).isEqualTo(TaskState.PENDING);
        assertThat(s.runs()).hasSize(1);
        assertThat(s.runs().get(0).reasonCreated()).isEqualTo(ReasonCreated.SCHEDULED);
    }

    @Test
    void allCompletedDependentIsNotReleasedWhenADependencyFails() throws Exception {
        String a = create();
        String b = createDependingOn("all-completed", a);
        fail(a);
        assertThat(state(b)).isEqualTo(TaskState.UNSCHEDULED);
    }

    @Test
    void allCompletedDependentIsNotReleasedWhenADependencyIsCanceled() {
        String a = create();
        String b = createDependingOn("all-completed", a);
        queue.cancelTask(a);
        assertThat(state(b)).isEqualTo(TaskState.UNSCHEDULED);
    }

    @Test
    void allResolvedDependentIsReleasedWhenADependencyFails() throws Exception {
        String a = create();
        String b = createDependingOn("all-resolved", a);
        fail(a);
        assertThat(state(b)).isEqualTo(TaskState.PENDING);
    }

    @Test
    void allResolvedDependentIsReleasedWhenADependencyIsCanceled() {
        String a = create();
        String b = createDependingOn("all-resolved", a);
        queue.cancelTask(a);
        assertThat(state(b)).isEqualTo(TaskState.PENDING);
    }

    @Test
    void dependencyRetriedAfterWorkerShutdownDoesNotReleaseItsDependents() throws Exception {
        String a = create();
        String b = createDependingOn("all-resolved", a);
        queue.reportException(a, claim(a), ReasonResolved.WORKER_SHUTDOWN);
        assertThat(state(a)).isEqualTo(TaskState.PENDING);
        assertThat(state(b)).isEqualTo(TaskState.UNSCHEDULED);
    }

    @Test
    void dependencyResolvedBeforeTheDependentWasCreatedMakesItPendingAtOnce() throws Exception {
        String a = create();
        complete(a);
        String b = createDependingOn("all-completed", a);
        assertThat(state(b)).isEqualTo(TaskState.PENDING);
    }

    @Test
    void failedDependencyResolvedBeforehandSatisfiesOnlyAllResolved() throws Exception {
        String a = create();
        fail(a);
        assertThat(state(createDependingOn("all-resolved", a))).isEqualTo(TaskState.PENDING);
        assertThat(state(createDependingOn("all-completed", a))).isEqualTo(TaskState.UNSCHEDULED);
    }

    @Test
    void aDependencyOnATaskThatDoesNotExistIsRefusedNamingIt() {
        // As Taskcluster: such a task would only wait until its deadline (issue 6 item 4).
        String existing = create();
        String missing = TestTasks.newTaskId();
        String b = TestTasks.newTaskId();
        ObjectNode body = body();
        body.putArray("dependencies").add(existing).add(missing);
        assertThatThrownBy(() -> queue.createTask(b, TestTasks.definition(b, body)))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining(missing).hasMessageNotContaining(existing)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(BerthException.Kind.INPUT_ERROR);
        assertThatThrownBy(() -> queue.task(b)).isInstanceOf(BerthException.class);
    }

    @Test
    void taskDependingOnItselfWaitsForScheduleTask() {
        String id = TestTasks.newTaskId();
        ObjectNode b = body();
        b.putArray("dependencies").add(id);
        queue.createTask(id, TestTasks.definition(id, b));
        assertThat(state(id)).isEqualTo(TaskState.UNSCHEDULED);
        assertThat(queue.scheduleTask(id).state()).isEqualTo(TaskState.PENDING);
    }

    // ---- claimWork

    @Test
    void claimWorkReturnsAtOnceWhenWorkExists() throws Exception {
        String id = create();
        List<Claim> claims = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> queue.claimWork(QUEUE, "wg", "w1", 5, Duration.ofSeconds(30)));
        assertThat(claims).hasSize(1);
        Claim c = claims.get(0);
        assertThat(c.taskId()).isEqualTo(id);
        assertThat(c.runId()).isZero();
        assertThat(c.workerGroup()).isEqualTo("wg");
        assertThat(c.workerId()).isEqualTo("w1");
        assertThat(c.takenUntil()).isEqualTo(NOW.plus(CLAIM_TIMEOUT));
        assertThat(c.status().state()).isEqualTo(TaskState.RUNNING);
        assertThat(c.task()).isEqualTo(queue.task(id).definition());
        assertThat(state(id)).isEqualTo(TaskState.RUNNING);
        assertThat(queue.pendingCount(QUEUE)).isZero();
        assertThat(queue.runningCount(QUEUE)).isEqualTo(1);
    }

    @Test
    void claimWorkTakesAtMostMaxTasks() throws Exception {
        for (int i = 0; i < 3; i++) create();
        assertThat(claimNow(2)).hasSize(2);
        assertThat(claimNow(2)).hasSize(1);
        assertThat(claimNow(2)).isEmpty();
    }

    @Test
    void claimWorkClaimsNothingForAWorkerNoLongerListening() throws Exception {
        String id = create();
        List<Claim> claims = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> queue.claimWork(QUEUE, "wg", "gone", 5, Duration.ofSeconds(30), () -> false));
        assertThat(claims).isEmpty();
        assertThat(state(id)).isEqualTo(TaskState.PENDING);
        assertThat(claimNow(5)).extracting(Claim::taskId).containsExactly(id);
    }

    @Test
    void claimWorkOnlyTakesWorkOfItsOwnQueue() throws Exception {
        create(b -> b.put("taskQueueId", "berth/other"));
        assertThat(claimNow(5)).isEmpty();
        assertThat(queue.claimWork("berth/other", "wg", "w1", 5, Duration.ZERO)).hasSize(1);
    }

    @Test
    void claimWorkReturnsEmptyAfterTheWaitWhenThereIsNoWork() {
        // the test clock stands still: the wait must be measured in real time, not on the domain clock
        List<Claim> claims = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> queue.claimWork(QUEUE, "wg", "w1", 1, Duration.ofMillis(200)));
        assertThat(claims).isEmpty();
    }

    @Test
    void claimWorkWakesUpWhenATaskIsCreatedWhileItWaits() throws Exception {
        CompletableFuture<List<Claim>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.claimWork(QUEUE, "wg", "w1", 1, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, executor);
        Thread.sleep(200); // let it start waiting; the test holds either way
        String id = create();

        List<Claim> claims = waiting.get(5, TimeUnit.SECONDS);
        assertThat(waiting).isDone();
        assertThat(claims).extracting(Claim::taskId).containsExactly(id);
        assertThat(state(id)).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void claimWorkWakesUpWhenADependentIsReleasedWhileItWaits() throws Exception {
        String a = create(b -> b.put("taskQueueId", "berth/other"));
        String b = create(x -> {
            x.put("requires", "all-completed");
            x.putArray("dependencies").add(a);
        });
        CompletableFuture<List<Claim>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.claimWork(QUEUE, "wg", "w1", 1, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, executor);
        Thread.sleep(200);
        List<Claim> other = queue.claimWork("berth/other", "wg", "w2", 1, Duration.ZERO);
        queue.reportCompleted(a, other.get(0).runId());

        assertThat(waiting.get(5, TimeUnit.SECONDS)).extracting(Claim::taskId).containsExactly(b);
    }

    @Test
    void claimTaskClaimsASpecificPendingRun() {
        String id = create();
        Claim c = queue.claimTask(id, 0, "wg", "w9");
        assertThat(c.status().state()).isEqualTo(TaskState.RUNNING);
        assertThat(c.workerId()).isEqualTo("w9");
        assertThat(queue.pendingCount(QUEUE)).isZero();
        assertThatThrownBy(() -> queue.claimTask(id, 0, "wg", "w8"))
                .satisfies(e -> assertKind(e, BerthException.Kind.CONFLICT));
    }

    // ---- priorities

    @Test
    void higherPriorityIsClaimedFirst() throws Exception {
        String lowest = create(b -> b.put("priority", "lowest"));
        String highest = create(b -> b.put("priority", "highest"));
        String medium = create(b -> b.put("priority", "medium"));
        assertThat(claimNow(1)).extracting(Claim::taskId).containsExactly(highest);
        assertThat(claimNow(1)).extracting(Claim::taskId).containsExactly(medium);
        assertThat(claimNow(1)).extracting(Claim::taskId).containsExactly(lowest);
    }

    @Test
    void equalPriorityIsClaimedInCreationOrder() throws Exception {
        String first = create(b -> b.put("priority", "high"));
        String second = create(b -> b.put("priority", "high"));
        assertThat(claimNow(2)).extracting(Claim::taskId).containsExactly(first, second);
    }

    // ---- reclaim and resolution

    @Test
    void reclaimExtendsTheClaimFromNow() throws Exception {
        String id = create();
        int run = claim(id);
        clock.advance(Duration.ofMinutes(10));
        Claim c = queue.reclaimTask(id, run);
        assertThat(c.takenUntil()).isEqualTo(clock.instant().plus(CLAIM_TIMEOUT));
        assertThat(queue.status(id).runs().get(run).takenUntil()).isEqualTo(c.takenUntil());
        assertThat(c.workerId()).isEqualTo("w1");
    }

    @Test
    void reportCompletedTwiceIsANoOpButReportFailedAfterwardsIsAConflict() throws Exception {
        String id = create();
        int run = claim(id);
        TaskStatus done = queue.reportCompleted(id, run);
        assertThat(queue.reportCompleted(id, run)).isEqualTo(done);
        assertThatThrownBy(() -> queue.reportFailed(id, run)).satisfies(e -> assertKind(e, BerthException.Kind.CONFLICT));
    }

    @ParameterizedTest
    @EnumSource(value = ReasonResolved.class,
            names = {"COMPLETED", "FAILED", "DEADLINE_EXCEEDED", "CANCELED", "CLAIM_EXPIRED"})
    void reportExceptionRejectsReasonsThatAreNotTheWorkers(ReasonResolved reason) throws Exception {
        String id = create();
        int run = claim(id);
        assertThatThrownBy(() -> queue.reportException(id, run, reason))
                .satisfies(e -> assertKind(e, BerthException.Kind.INPUT_ERROR))
                .hasMessageContaining(reason.wire());
        assertThat(state(id)).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void reportExceptionWorkerShutdownMakesARetryRunThatCanBeClaimed() throws Exception {
        String id = create();
        TaskStatus s = queue.reportException(id, claim(id), ReasonResolved.WORKER_SHUTDOWN);
        assertThat(s.runs()).hasSize(2);
        assertThat(s.runs().get(1).reasonCreated()).isEqualTo(ReasonCreated.RETRY);
        assertThat(s.retriesLeft()).isEqualTo(4);
        assertThat(claim(id)).isEqualTo(1);
    }

    @Test
    void reportExceptionMalformedPayloadResolvesTheTask() throws Exception {
        String id = create();
        TaskStatus s = queue.reportException(id, claim(id), ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(s.state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(s.runs()).hasSize(1);
        assertThat(queue.pendingCount(QUEUE)).isZero();
    }

    @Test
    void isRunningTellsWhetherTheRunIsStillHeld() throws Exception {
        String id = create();
        int run = claim(id);
        assertThat(queue.isRunning(id, run)).isTrue();
        queue.cancelTask(id);
        assertThat(queue.isRunning(id, run)).isFalse();
    }

    @Test
    void cancelingAPendingTaskRemovesItFromTheQueue() throws Exception {
        String id = create();
        assertThat(queue.cancelTask(id).state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(queue.pendingCount(QUEUE)).isZero();
        assertThat(claimNow(1)).isEmpty();
    }

    @Test
    void rerunOfACompletedTaskMakesItClaimableAgain() throws Exception {
        String id = create();
        complete(id);
        TaskStatus s = queue.rerunTask(id);
        assertThat(s.state()).isEqualTo(TaskState.PENDING);
        assertThat(s.runs().get(1).reasonCreated()).isEqualTo(ReasonCreated.RERUN);
        assertThat(claim(id)).isEqualTo(1);
    }

    // ---- sweeps

    @Test
    void claimExpirySweepLeavesLiveClaimsAlone() throws Exception {
        String id = create();
        claim(id);
        clock.advance(CLAIM_TIMEOUT.minusSeconds(1));
        assertThat(queue.expireClaims()).isZero();
        assertThat(state(id)).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void claimExpirySweepResolvesClaimExpiredAndMakesAClaimableRetryRun() throws Exception {
        String id = create();
        int run = claim(id);
        clock.advance(CLAIM_TIMEOUT.plusSeconds(1));

        assertThat(queue.expireClaims()).isEqualTo(1);
        TaskStatus s = queue.status(id);
        assertThat(s.runs()).hasSize(2);
        assertThat(s.runs().get(run).state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(s.runs().get(run).reasonResolved()).isEqualTo(ReasonResolved.CLAIM_EXPIRED);
        assertThat(s.runs().get(1).state()).isEqualTo(TaskState.PENDING);
        assertThat(s.runs().get(1).reasonCreated()).isEqualTo(ReasonCreated.RETRY);
        assertThat(s.retriesLeft()).isEqualTo(4);

        assertThat(claim(id)).isEqualTo(1);
        assertThatThrownBy(() -> queue.reportCompleted(id, run))
                .satisfies(e -> assertKind(e, BerthException.Kind.CONFLICT));
        assertThat(queue.expireClaims()).isZero();
    }

    @Test
    void claimExpiryWithoutRetriesResolvesTheTaskAndReleasesAllResolvedDependents() throws Exception {
        String a = create(b -> b.put("retries", 0));
        String b = createDependingOn("all-resolved", a);
        claim(a);
        clock.advance(CLAIM_TIMEOUT.plusSeconds(1));
        assertThat(queue.expireClaims()).isEqualTo(1);
        assertThat(state(a)).isEqualTo(TaskState.EXCEPTION);
        assertThat(state(b)).isEqualTo(TaskState.PENDING);
    }

    @Test
    void claimExpiryWakesAWaitingClaimer() throws Exception {
        String id = create();
        claim(id);
        CompletableFuture<List<Claim>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.claimWork(QUEUE, "wg", "w2", 1, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, executor);
        Thread.sleep(200);
        clock.advance(CLAIM_TIMEOUT.plusSeconds(1));
        queue.expireClaims();
        List<Claim> claims = waiting.get(5, TimeUnit.SECONDS);
        assertThat(claims).extracting(Claim::taskId, Claim::runId).containsExactly(tuple(id, 1));
    }

    @Test
    void deadlineSweepResolvesUnresolvedTasksAsDeadlineExceeded() throws Exception {
        String pending = create();
        String running = create();
        claimNow(5); // takes both
        queue.reportCompleted(pending, 0);
        String stillPending = create();
        String unscheduled = TestTasks.newTaskId(); // depends on itself: waits for scheduleTask
        ObjectNode selfDependent = body();
        selfDependent.putArray("dependencies").add(unscheduled);
        queue.createTask(unscheduled, TestTasks.definition(unscheduled, selfDependent));

        assertThat(queue.enforceDeadlines()).isZero();
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        assertThat(queue.enforceDeadlines()).isEqualTo(3);

        for (String id : List.of(running, stillPending, unscheduled)) {
            TaskStatus s = queue.status(id);
            assertThat(s.state()).as(id).isEqualTo(TaskState.EXCEPTION);
            assertThat(s.latestRun().orElseThrow().reasonResolved()).isEqualTo(ReasonResolved.DEADLINE_EXCEEDED);
        }
        assertThat(state(pending)).isEqualTo(TaskState.COMPLETED);
        assertThat(queue.pendingCount(QUEUE)).isZero();
        assertThat(claimNow(5)).isEmpty();
        assertThat(queue.enforceDeadlines()).isZero();
    }

    @Test
    void expireTasksAlsoForgetsAGroupWhoseTasksAllExpired() {
        String shortGroup = TestTasks.newTaskId(), longGroup = TestTasks.newTaskId();
        create(b -> b.put("taskGroupId", shortGroup).put("expires", Json.format(NOW.plus(Duration.ofDays(2)))));
        queue.sealTaskGroup(shortGroup);
        create(b -> b.put("taskGroupId", longGroup));
        clock.advance(Duration.ofDays(3));
        queue.enforceDeadlines();

        queue.expireTasks();
        assertKind(catchThrowable(() -> queue.taskGroupInfo(shortGroup)), BerthException.Kind.NOT_FOUND);
        assertThat(queue.taskGroupInfo(longGroup).taskGroupId()).isEqualTo(longGroup);
    }

    @Test
    void expireTasksDeletesTasksPastTheirExpires() {
        String shortLived = create(b -> b.put("expires", Json.format(NOW.plus(Duration.ofDays(2)))));
        String longLived = create();
        clock.advance(Duration.ofDays(3));
        queue.enforceDeadlines();

        assertThat(queue.expireTasks()).containsExactly(shortLived);
        assertThatThrownBy(() -> queue.task(shortLived)).satisfies(e -> assertKind(e, BerthException.Kind.NOT_FOUND));
        assertThat(queue.task(longLived)).isNotNull();
        assertThat(queue.expireTasks()).isEmpty();
    }

    @Test
    void expireTasksRemovesTheDependencyEdgesOfTheDeletedTask() {
        String a = create();
        String b = create(x -> {
            x.putArray("dependencies").add(a);
            x.put("expires", Json.format(NOW.plus(Duration.ofDays(2))));
        });
        assertThat(queue.dependents(a, null, 10).items()).containsExactly(b);
        clock.advance(Duration.ofDays(3));
        queue.expireTasks();
        assertThat(queue.dependents(a, null, 10).items()).isEmpty();
    }

    @Test
    void taskGroupListsTasksOfTheGroup() {
        String group = TestTasks.newTaskId();
        String a = create(b -> b.put("taskGroupId", group));
        String b = create(x -> x.put("taskGroupId", group));
        create();
        assertThat(queue.taskGroup(group, null, 10).items()).extracting(r -> r.taskId()).containsExactly(a, b);
        var first = queue.taskGroup(group, null, 1);
        assertThat(first.items()).extracting(r -> r.taskId()).containsExactly(a);
        assertThat(queue.taskGroup(group, first.continuationToken(), 1).items())
                .extracting(r -> r.taskId()).containsExactly(b);
    }
}
