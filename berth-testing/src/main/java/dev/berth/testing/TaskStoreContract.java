package dev.berth.testing;

import static dev.berth.testing.TaskFixtures.artifact;
import static dev.berth.testing.TaskFixtures.claimBy;
import static dev.berth.testing.TaskFixtures.definition;
import static dev.berth.testing.TaskFixtures.pendingTask;
import static dev.berth.testing.TaskFixtures.slugId;
import static dev.berth.testing.TaskFixtures.task;
import static dev.berth.testing.TaskFixtures.uniqueQueue;
import static dev.berth.testing.TaskFixtures.unscheduledTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.core.BerthException;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.StatusChange;
import dev.berth.core.store.TaskGroupRecord;
import dev.berth.core.store.TaskGroupRefusedException;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.Priority;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link TaskStore} adapter must have. Subclasses return a store over an empty
 * database from {@link #newStore()} and close it afterwards.
 */
public abstract class TaskStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected TaskStore store;
    protected String queue;

    /** A store over an empty (or at least test-private) database; the subclass closes it after each test. */
    protected abstract TaskStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
        queue = uniqueQueue();
    }

    protected Instant now() { return clock.instant(); }

    protected TaskRecord insertPending(TaskDefinition def) {
        TaskRecord t = pendingTask(def, now());
        assertThat(store.insertTask(t)).isTrue();
        return t;
    }

    protected TaskRecord insertPending() { return insertPending(definition(queue, now()).build()); }

    // ---- insert / find

    @Test
    void insertTaskStoresDefinitionAndStatusAsGiven() {
        TaskRecord t = insertPending();
        assertThat(store.findTask(t.taskId())).contains(t);
    }

    @Test
    void insertTaskReturnsFalseAndChangesNothingWhenTheIdExists() {
        TaskRecord first = insertPending();
        TaskDefinition other = definition(uniqueQueue(), now()).priority(Priority.HIGHEST).build();
        TaskRecord clash = task(first.taskId(), other, true, now());

        assertThat(store.insertTask(clash)).isFalse();

        assertThat(store.findTask(first.taskId())).contains(first);
        assertThat(store.countPending(first.definition().taskQueueId())).isEqualTo(1);
        assertThat(store.countPending(other.taskQueueId())).isZero();
    }

    @Test
    void findTaskOfUnknownIdIsEmpty() {
        assertThat(store.findTask(slugId())).isEmpty();
    }

    @Test
    void statesReportsStoredTasksOnlyAndOmitsUnknownIds() {
        TaskRecord pending = insertPending();
        TaskRecord unscheduled = unscheduledTask(definition(queue, now()).build(), now());
        store.insertTask(unscheduled);
        String unknown = slugId();

        Map<String, TaskState> states = store.states(List.of(pending.taskId(), unscheduled.taskId(), unknown));

        assertThat(states).containsOnly(Map.entry(pending.taskId(), TaskState.PENDING),
                Map.entry(unscheduled.taskId(), TaskState.UNSCHEDULED));
        assertThat(store.states(List.of())).isEmpty();
    }

    // ---- modify

    @Test
    void modifyWritesTheTransitionResultAndReturnsBeforeAndAfter() {
        TaskRecord t = insertPending();

        Optional<StatusChange> change = store.modify(t.taskId(), s -> TaskLifecycle.cancel(s, now()));

        assertThat(change).isPresent();
        assertThat(change.get().changed()).isTrue();
        assertThat(change.get().before()).isEqualTo(t);
        assertThat(change.get().after().status().state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(store.findTask(t.taskId())).contains(change.get().after());
    }

    @Test
    void modifyReturningTheSameStatusWritesNothingAndReportsNoChange() {
        TaskRecord t = insertPending();

        StatusChange change = store.modify(t.taskId(), s -> TaskLifecycle.schedule(s, now())).orElseThrow();

        assertThat(change.changed()).isFalse();
        assertThat(change.after()).isEqualTo(t);
        assertThat(store.findTask(t.taskId())).contains(t);
        assertThat(store.countPending(queue)).isEqualTo(1);
    }

    @Test
    void modifyRollsBackAndRethrowsTheSameExceptionWhenTheTransitionThrows() {
        TaskRecord t = insertPending();
        BerthException boom = BerthException.conflict("no");

        assertThatThrownBy(() -> store.modify(t.taskId(), s -> { throw boom; })).isSameAs(boom);
        // A transition the lifecycle rejects: resolving a run that is not running.
        assertThatThrownBy(() -> store.modify(t.taskId(), s -> TaskLifecycle.resolve(s, 0, TaskState.COMPLETED, now())))
                .isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT);

        assertThat(store.findTask(t.taskId())).contains(t);
        assertThat(store.countPending(queue)).isEqualTo(1);
    }

    @Test
    void modifyOfMissingTaskIsEmptyAndDoesNotCallTheTransition() {
        assertThat(store.modify(slugId(), s -> { throw new AssertionError("called"); })).isEmpty();
    }

    // ---- the queue index

    @Test
    void pendingTaskIsClaimableAndClaimingMakesItRunning() {
        TaskRecord t = insertPending();

        List<TaskRecord> claimed = store.claimPending(queue, 10, claimBy("w1", now()));

        assertThat(claimed).hasSize(1);
        TaskRecord c = claimed.get(0);
        assertThat(c.taskId()).isEqualTo(t.taskId());
        assertThat(c.definition()).isEqualTo(t.definition());
        assertThat(c.status().state()).isEqualTo(TaskState.RUNNING);
        assertThat(c.status().runs().get(0).workerId()).isEqualTo("w1");
        assertThat(store.findTask(t.taskId())).contains(c);
        assertThat(store.countPending(queue)).isZero();
        assertThat(store.claimPending(queue, 10, claimBy("w2", now()))).isEmpty();
    }

    @Test
    void unscheduledTaskIsNotClaimableUntilScheduled() {
        TaskRecord t = unscheduledTask(definition(queue, now()).build(), now());
        store.insertTask(t);
        assertThat(store.countPending(queue)).isZero();
        assertThat(store.claimPending(queue, 10, claimBy("w1", now()))).isEmpty();

        store.modify(t.taskId(), s -> TaskLifecycle.schedule(s, now()));

        assertThat(store.countPending(queue)).isEqualTo(1);
        assertThat(store.claimPending(queue, 10, claimBy("w1", now()))).extracting(TaskRecord::taskId)
                .containsExactly(t.taskId());
    }

    @Test
    void resolvingOrCancelingRemovesTheQueueEntryAndRerunAddsOne() {
        TaskRecord canceled = insertPending();
        store.modify(canceled.taskId(), s -> TaskLifecycle.cancel(s, now()));
        assertThat(store.countPending(queue)).isZero();

        TaskRecord t = insertPending();
        store.claimPending(queue, 1, claimBy("w1", now()));
        store.modify(t.taskId(), s -> TaskLifecycle.resolve(s, 0, TaskState.COMPLETED, now()));
        assertThat(store.countPending(queue)).isZero();

        store.modify(t.taskId(), s -> TaskLifecycle.rerun(s, t.definition().retries(), now()));

        assertThat(store.countPending(queue)).isEqualTo(1);
        List<TaskRecord> claimed = store.claimPending(queue, 10, claimBy("w2", now()));
        assertThat(claimed).extracting(TaskRecord::taskId).containsExactly(t.taskId());
        assertThat(claimed.get(0).status().runs()).hasSize(2);
        assertThat(claimed.get(0).status().runs().get(1).workerId()).isEqualTo("w2");
    }

    @Test
    void workerShutdownRetryPutsTheNewRunBackOnTheQueue() {
        TaskRecord t = insertPending();
        store.claimPending(queue, 1, claimBy("w1", now()));

        store.modify(t.taskId(), s -> TaskLifecycle.exception(s, 0, ReasonResolved.WORKER_SHUTDOWN, now()));

        assertThat(store.countPending(queue)).isEqualTo(1);
        assertThat(store.claimPending(queue, 1, claimBy("w2", now())).get(0).status().runs().get(1).state())
                .isEqualTo(TaskState.RUNNING);
    }

    @Test
    void claimOrderIsHighestPriorityFirstThenFirstInserted() {
        TaskRecord low1 = insertPending(definition(queue, now()).priority(Priority.LOW).build());
        TaskRecord high1 = insertPending(definition(queue, now()).priority(Priority.HIGH).build());
        TaskRecord low2 = insertPending(definition(queue, now()).priority(Priority.LOW).build());
        TaskRecord highest = insertPending(definition(queue, now()).priority(Priority.HIGHEST).build());
        TaskRecord high2 = insertPending(definition(queue, now()).priority(Priority.HIGH).build());

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            store.claimPending(queue, 2, claimBy("w", now())).forEach(r -> order.add(r.taskId()));
        }

        assertThat(order).containsExactly(highest.taskId(), high1.taskId(), high2.taskId(), low1.taskId(), low2.taskId());
    }

    @Test
    void claimTakesAtMostMaxAndOnlyFromTheGivenQueue() {
        for (int i = 0; i < 5; i++) insertPending();
        String otherQueue = uniqueQueue();
        insertPending(definition(otherQueue, now()).build());

        assertThat(store.claimPending(queue, 3, claimBy("w", now()))).hasSize(3);
        assertThat(store.claimPending(queue, 3, claimBy("w", now()))).hasSize(2);
        assertThat(store.countPending(otherQueue)).isEqualTo(1);
    }

    @Test
    void claimPendingHandsEachOfAThousandTasksToExactlyOneOfEightConcurrentClaimers() throws Exception {
        int tasks = 1_000;
        int claimers = 8;
        for (int i = 0; i < tasks; i++) insertPending();

        ConcurrentHashMap<String, String> claimedBy = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> duplicates = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < claimers; w++) {
                String worker = "w" + w;
                results.add(pool.submit(() -> {
                    start.await();
                    int mine = 0;
                    while (true) {
                        List<TaskRecord> batch = store.claimPending(queue, 7, claimBy(worker, now()));
                        if (batch.isEmpty() && store.countPending(queue) == 0) return mine;
                        for (TaskRecord r : batch) {
                            if (claimedBy.putIfAbsent(r.taskId(), worker) != null) duplicates.add(r.taskId());
                            assertThat(r.status().runs().get(0).workerId()).isEqualTo(worker);
                        }
                        mine += batch.size();
                    }
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) total += f.get(120, TimeUnit.SECONDS);

            assertThat(duplicates).isEmpty();
            assertThat(total).isEqualTo(tasks);
            assertThat(claimedBy).hasSize(tasks);
            assertThat(store.countPending(queue)).isZero();
            assertThat(store.countRunning(queue)).isEqualTo(tasks);
            Map<String, TaskState> states = store.states(claimedBy.keySet());
            assertThat(states.values()).containsOnly(TaskState.RUNNING);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void claimEntryWhoseTransitionThrowsIsDroppedAndSkipped() {
        TaskRecord refused = insertPending();
        TaskRecord accepted = insertPending();

        List<TaskRecord> claimed = store.claimPending(queue, 10, s -> {
            if (s.taskId().equals(refused.taskId())) throw BerthException.conflict("refused");
            return claimBy("w", now()).apply(s);
        });

        assertThat(claimed).extracting(TaskRecord::taskId).containsExactly(accepted.taskId());
        assertThat(store.findTask(refused.taskId())).contains(refused);
        assertThat(store.countPending(queue)).isZero();
    }

    @Test
    void claimOfTaskPastItsDeadlineDropsTheEntry() {
        TaskRecord t = insertPending(definition(queue, now()).deadline(now().plus(Duration.ofMinutes(1))).build());
        clock.advance(Duration.ofMinutes(2));

        assertThat(store.claimPending(queue, 10, claimBy("w", now()))).isEmpty();
        assertThat(store.countPending(queue)).isZero();
        assertThat(store.findTask(t.taskId()).orElseThrow().status().state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void resolvingARunningTaskClaimsNoDependentsOnlyWhenNoneDependsOnIt() {
        TaskRecord required = insertPending();
        TaskRecord dependent = unscheduledTask(definition(queue, now()).dependencies(required.taskId()).build(), now());
        assertThat(store.insertTask(dependent)).isTrue();
        TaskRecord alone = insertPending();
        assertThat(store.claimPending(queue, 10, claimBy("w", now()))).hasSize(2);

        StatusChange withDependent = store.modify(required.taskId(),
                s -> TaskLifecycle.resolve(s, 0, TaskState.COMPLETED, now())).orElseThrow();
        StatusChange without = store.modify(alone.taskId(),
                s -> TaskLifecycle.resolve(s, 0, TaskState.FAILED, now())).orElseThrow();

        assertThat(withDependent.changed()).isTrue();
        assertThat(withDependent.noDependents()).isFalse();
        assertThat(without.changed()).isTrue();
        if (without.noDependents()) assertThat(store.dependents(alone.taskId(), null, 10).items()).isEmpty();
        assertThat(store.states(List.of(required.taskId(), alone.taskId())))
                .containsEntry(required.taskId(), TaskState.COMPLETED)
                .containsEntry(alone.taskId(), TaskState.FAILED);
    }

    @Test
    void concurrentModifiesOfOneTaskEachApplyToTheStatusTheOthersLeftAndNoneIsLost() throws Exception {
        TaskRecord t = insertPending();
        assertThat(store.claimPending(queue, 1, claimBy("w", now()))).hasSize(1);
        Instant takenUntil = store.findTask(t.taskId()).orElseThrow().status().runs().get(0).takenUntil();
        int threads = 8;
        int each = 25;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int n = 0; n < each; n++) {
                        // each call moves the claim one millisecond on from whatever it reads
                        StatusChange c = store.modify(t.taskId(), s -> TaskLifecycle.reclaim(s, 0,
                                s.runs().get(0).takenUntil().plusMillis(1), now())).orElseThrow();
                        assertThat(c.after().status().runs().get(0).takenUntil())
                                .isEqualTo(c.before().status().runs().get(0).takenUntil().plusMillis(1));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        TaskStatus after = store.findTask(t.taskId()).orElseThrow().status();
        assertThat(after.state()).isEqualTo(TaskState.RUNNING);
        assertThat(after.runs().get(0).takenUntil()).isEqualTo(takenUntil.plusMillis(threads * each));
    }

    @Test
    void concurrentReportsOfOneRunningTaskResolveItOnceAndTheOthersSeeTheOutcome() throws Exception {
        for (int round = 0; round < 10; round++) {
            TaskRecord t = insertPending();
            assertThat(store.claimPending(queue, 1, claimBy("w", now()))).hasSize(1);
            int threads = 6;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Optional<TaskState>>> results = new ArrayList<>();
            try {
                for (int i = 0; i < threads; i++) {
                    TaskState outcome = i % 2 == 0 ? TaskState.COMPLETED : TaskState.FAILED;
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            StatusChange c = store.modify(t.taskId(),
                                    s -> TaskLifecycle.resolve(s, 0, outcome, now())).orElseThrow();
                            // the one change made answers its outcome; a repeat of it changes nothing
                            return c.changed() ? Optional.of(outcome) : Optional.<TaskState>empty();
                        } catch (BerthException e) {
                            assertThat(e.kind()).isEqualTo(BerthException.Kind.CONFLICT);
                            return Optional.<TaskState>empty();
                        }
                    }));
                }
                start.countDown();
                List<TaskState> changes = new ArrayList<>();
                for (Future<Optional<TaskState>> f : results) f.get(60, TimeUnit.SECONDS).ifPresent(changes::add);
                assertThat(changes).hasSize(1);
                assertThat(store.findTask(t.taskId()).orElseThrow().status().state()).isEqualTo(changes.get(0));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ---- listings and counts

    @Test
    void resolvingNeverClaimsNoDependentsWhenATaskDependsOnIt() {
        TaskRecord required = insertPending();
        TaskRecord dependent = unscheduledTask(definition(queue, now()).dependencies(required.taskId()).build(), now());
        assertThat(store.insertTask(dependent)).isTrue();
        TaskRecord alone = insertPending();

        StatusChange withDependent = store.modify(required.taskId(), s -> TaskLifecycle.cancel(s, now())).orElseThrow();
        StatusChange without = store.modify(alone.taskId(), s -> TaskLifecycle.cancel(s, now())).orElseThrow();

        assertThat(withDependent.changed()).isTrue();
        assertThat(withDependent.noDependents()).isFalse();
        // a store may not know (false); when it says so, it is right
        if (without.noDependents()) assertThat(store.dependents(alone.taskId(), null, 10).items()).isEmpty();
        assertThat(store.states(List.of(required.taskId(), dependent.taskId())))
                .containsEntry(required.taskId(), TaskState.EXCEPTION)
                .containsEntry(dependent.taskId(), TaskState.UNSCHEDULED);
    }

    @Test
    void dependentsArePagedInTaskIdOrder() {
        TaskRecord required = insertPending();
        List<String> dependents = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            TaskRecord d = unscheduledTask(definition(queue, now()).dependencies(required.taskId()).build(), now());
            store.insertTask(d);
            dependents.add(d.taskId());
        }
        Collections.sort(dependents);

        List<String> seen = collectPages(token -> store.dependents(required.taskId(), token, 3), 3);

        assertThat(seen).containsExactlyElementsOf(dependents);
        assertThat(store.dependents(slugId(), null, 10)).isEqualTo(new Page<>(List.of(), null));
    }

    @Test
    void taskGroupIsPagedInTaskIdOrder() {
        String group = slugId();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(insertPending(definition(queue, now()).taskGroupId(group).build()).taskId());
        }
        insertPending();
        Collections.sort(ids);

        List<String> seen = collectPages(token -> {
            Page<TaskRecord> p = store.taskGroup(group, token, 2);
            return new Page<>(p.items().stream().map(TaskRecord::taskId).toList(), p.continuationToken());
        }, 2);

        assertThat(seen).containsExactlyElementsOf(ids);
    }

    /** Follows continuation tokens to the end, checking every page but the last is full. */
    private static List<String> collectPages(Function<String, Page<String>> fetch, int limit) {
        List<String> all = new ArrayList<>();
        String token = null;
        for (int guard = 0; guard < 100; guard++) {
            Page<String> page = fetch.apply(token);
            all.addAll(page.items());
            token = page.continuationToken();
            if (token == null) return all;
            assertThat(page.items()).hasSize(limit);
        }
        throw new AssertionError("pagination did not end");
    }

    @Test
    void countPendingAndCountRunningFollowTheQueue() {
        for (int i = 0; i < 4; i++) insertPending();
        insertPending(definition(uniqueQueue(), now()).build());
        store.claimPending(queue, 3, claimBy("w", now()));

        assertThat(store.countPending(queue)).isEqualTo(1);
        assertThat(store.countRunning(queue)).isEqualTo(3);
        assertThat(store.countPending(uniqueQueue())).isZero();
        assertThat(store.countRunning(uniqueQueue())).isZero();
    }

    @Test
    void expiredClaimsListsRunningTasksWhoseClaimLapsed() {
        TaskRecord a = insertPending();
        TaskRecord b = insertPending();
        insertPending();
        store.claimPending(queue, 1, claimBy("w", now()));
        clock.advance(Duration.ofMinutes(10));
        store.claimPending(queue, 1, claimBy("w", now()));

        // a's claim (taken at t0) ends at t0+20m, b's at t0+30m.
        assertThat(store.expiredClaims(now().plus(Duration.ofMinutes(5)), 10)).isEmpty();
        assertThat(store.expiredClaims(now().plus(Duration.ofMinutes(15)), 10)).containsExactly(a.taskId());
        assertThat(store.expiredClaims(now().plus(Duration.ofMinutes(25)), 10)).containsExactlyInAnyOrder(a.taskId(), b.taskId());
        assertThat(store.expiredClaims(now().plus(Duration.ofMinutes(25)), 1)).hasSize(1);

        store.modify(a.taskId(), s -> TaskLifecycle.resolve(s, 0, TaskState.COMPLETED, now()));
        assertThat(store.expiredClaims(now().plus(Duration.ofMinutes(25)), 10)).containsExactly(b.taskId());
    }

    @Test
    void pastDeadlineListsUnresolvedTasksOnly() {
        Instant soon = now().plus(Duration.ofHours(1));
        TaskRecord pending = insertPending(definition(queue, now()).deadline(soon).build());
        TaskRecord unscheduled = unscheduledTask(definition(queue, now()).deadline(soon).build(), now());
        store.insertTask(unscheduled);
        TaskRecord resolved = insertPending(definition(queue, now()).deadline(soon).build());
        store.modify(resolved.taskId(), s -> TaskLifecycle.cancel(s, now()));
        insertPending(definition(queue, now()).deadline(now().plus(Duration.ofDays(2))).build());

        assertThat(store.pastDeadline(now(), 10)).isEmpty();
        assertThat(store.pastDeadline(soon.plusMillis(1), 10))
                .containsExactlyInAnyOrder(pending.taskId(), unscheduled.taskId());
    }

    @Test
    void expiredTasksListsTasksPastTheirExpiry() {
        TaskRecord old = insertPending(definition(queue, now()).expires(now().plus(Duration.ofDays(2))).build());
        insertPending(definition(queue, now()).expires(now().plus(Duration.ofDays(60))).build());

        assertThat(store.expiredTasks(now(), 10)).isEmpty();
        assertThat(store.expiredTasks(now().plus(Duration.ofDays(3)), 10)).containsExactly(old.taskId());
    }

    @Test
    void deleteTaskRemovesTaskQueueEntryDependencyEdgesAndArtifacts() {
        TaskRecord required = insertPending();
        TaskRecord t = insertPending(definition(queue, now()).dependencies(required.taskId()).build());
        store.putArtifact(artifact(t.taskId(), 0, "public/log.txt", now().plus(Duration.ofDays(1))), a -> true);

        store.deleteTask(t.taskId());

        assertThat(store.findTask(t.taskId())).isEmpty();
        assertThat(store.dependents(required.taskId(), null, 10).items()).isEmpty();
        assertThat(store.findArtifact(t.taskId(), 0, "public/log.txt")).isEmpty();
        assertThat(store.countPending(queue)).isEqualTo(1);
        assertThat(store.claimPending(queue, 10, claimBy("w", now()))).extracting(TaskRecord::taskId)
                .containsExactly(required.taskId());
        store.deleteTask(slugId());
    }

    // ---- listings of a task queue

    @Test
    void pendingTasksAreListedInClaimOrderAndPaged() {
        TaskRecord low1 = insertPending();
        TaskRecord high = insertPending(definition(queue, now()).priority(Priority.HIGH).build());
        TaskRecord low2 = insertPending();
        TaskRecord claimed = insertPending(definition(queue, now()).priority(Priority.HIGHEST).build());
        store.claimPending(queue, 1, claimBy("w", now()));
        insertPending(definition(uniqueQueue(), now()).build());

        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            Page<TaskRecord> page = store.pendingTasks(queue, token, 1);
            page.items().forEach(t -> ids.add(t.taskId()));
            token = page.continuationToken();
        } while (token != null);
        assertThat(ids).containsExactly(high.taskId(), low1.taskId(), low2.taskId());
        assertThat(store.pendingTasks(queue, null, 10).items()).extracting(t -> t.status().state()).containsOnly(TaskState.PENDING);
        assertThat(store.pendingTasks(queue, null, 10).continuationToken()).isNull();
        assertThat(ids).doesNotContain(claimed.taskId());
    }

    @Test
    void claimedTasksAreTheRunningTasksOfTheQueueInTaskIdOrder() {
        List<String> running = new ArrayList<>();
        for (int i = 0; i < 3; i++) running.add(insertPending().taskId());
        insertPending();
        store.claimPending(queue, 3, claimBy("w", now()));
        TaskRecord elsewhere = insertPending(definition(uniqueQueue(), now()).build());
        store.claimPending(elsewhere.definition().taskQueueId(), 1, claimBy("w", now()));
        Collections.sort(running);

        Page<TaskRecord> first = store.claimedTasks(queue, null, 2);
        Page<TaskRecord> second = store.claimedTasks(queue, first.continuationToken(), 2);
        assertThat(first.items()).extracting(TaskRecord::taskId).containsExactlyElementsOf(running.subList(0, 2));
        assertThat(second.items()).extracting(TaskRecord::taskId).containsExactly(running.get(2));
        assertThat(second.continuationToken()).isNull();
        assertThat(second.items().get(0).status().latestRun().orElseThrow().workerId()).isEqualTo("w");
    }

    // ---- task groups

    private TaskRecord inGroup(String group, String schedulerId, Instant expires) {
        return pendingTask(definition(queue, now()).taskGroupId(group).schedulerId(schedulerId).expires(expires).build(), now());
    }

    @Test
    void theFirstTaskOfAGroupCreatesItOpenWithItsSchedulerIdAndAnExpiryPastTheTasks() {
        String group = slugId();
        Instant expires = now().plus(Duration.ofDays(2));
        assertThat(store.insertTask(inGroup(group, "sched-a", expires))).isTrue();
        assertThat(store.findTaskGroup(group)).contains(
                new TaskGroupRecord(group, "sched-a", expires.plus(TaskStore.GROUP_EXPIRY_MARGIN), null));
    }

    @Test
    void aLaterExpiringTaskMovesTheGroupsExpiryAndAnEarlierOneLeavesIt() {
        String group = slugId();
        Instant early = now().plus(Duration.ofDays(1));
        Instant late = now().plus(Duration.ofDays(5));
        store.insertTask(inGroup(group, "sched-a", early));
        store.insertTask(inGroup(group, "sched-a", late));
        store.insertTask(inGroup(group, "sched-a", early));
        // within the margin nothing is written
        store.insertTask(inGroup(group, "sched-a", late.plus(Duration.ofMinutes(30))));
        assertThat(store.findTaskGroup(group).orElseThrow())
                .isEqualTo(new TaskGroupRecord(group, "sched-a", late.plus(TaskStore.GROUP_EXPIRY_MARGIN), null));
    }

    @Test
    void aTaskNamingAnotherSchedulerIdIsRefusedByItsGroupAndNothingIsWritten() {
        String group = slugId();
        store.insertTask(inGroup(group, "sched-a", now().plus(Duration.ofDays(1))));
        TaskRecord other = inGroup(group, "sched-b", now().plus(Duration.ofDays(9)));
        assertThatThrownBy(() -> store.insertTask(other)).isInstanceOf(TaskGroupRefusedException.class)
                .extracting(e -> ((TaskGroupRefusedException) e).group().schedulerId()).isEqualTo("sched-a");
        assertThat(store.findTask(other.taskId())).isEmpty();
        assertThat(store.findTaskGroup(group).orElseThrow().expires()).isBefore(now().plus(Duration.ofDays(9)));
    }

    @Test
    void anExistingTaskIsNotInsertedAgainAndLeavesItsGroupAsItWas() {
        String group = slugId();
        TaskRecord t = inGroup(group, "sched-a", now().plus(Duration.ofDays(1)));
        assertThat(store.insertTask(t)).isTrue();
        TaskGroupRecord before = store.findTaskGroup(group).orElseThrow();
        TaskRecord again = new TaskRecord(t.taskId(), inGroup(group, "sched-a", now().plus(Duration.ofDays(20))).definition(), t.status());
        assertThat(store.insertTask(again)).isFalse();
        assertThat(store.findTaskGroup(group)).contains(before);
    }

    @Test
    void findTaskGroupOfUnknownIdIsEmptyAndSealingItFindsNothing() {
        String group = slugId();
        assertThat(store.findTaskGroup(group)).isEmpty();
        assertThat(store.sealTaskGroup(group, now())).isEmpty();
        assertThat(store.findTaskGroup(group)).isEmpty();
    }

    @Test
    void aSealedGroupRefusesNewTasksWritingNothingAndKeepsTheFirstSealTime() {
        String group = slugId();
        Instant expires = now().plus(Duration.ofDays(1));
        store.insertTask(inGroup(group, "sched-a", expires));
        Instant sealedAt = now();
        assertThat(store.sealTaskGroup(group, sealedAt).orElseThrow().sealed()).isEqualTo(sealedAt);
        clock.advance(Duration.ofMinutes(5));
        assertThat(store.sealTaskGroup(group, now()).orElseThrow().sealed()).isEqualTo(sealedAt);
        TaskRecord late = inGroup(group, "sched-a", now().plus(Duration.ofDays(9)));
        assertThatThrownBy(() -> store.insertTask(late)).isInstanceOf(TaskGroupRefusedException.class)
                .extracting(e -> ((TaskGroupRefusedException) e).group().sealed()).isEqualTo(sealedAt);
        assertThat(store.findTask(late.taskId())).isEmpty();
        assertThat(store.countPending(queue)).isEqualTo(1);
        assertThat(store.findTaskGroup(group).orElseThrow())
                .isEqualTo(new TaskGroupRecord(group, "sched-a", expires.plus(TaskStore.GROUP_EXPIRY_MARGIN), sealedAt));
    }

    @Test
    void deleteExpiredTaskGroupsDeletesOnlyGroupsPastTheirExpiry() {
        String old = slugId(), current = slugId();
        store.insertTask(inGroup(old, "s", now().plus(Duration.ofMinutes(10))));
        store.insertTask(inGroup(current, "s", now().plus(Duration.ofHours(3))));
        store.sealTaskGroup(old, now());
        clock.advance(Duration.ofHours(2));
        assertThat(store.deleteExpiredTaskGroups(now())).isGreaterThanOrEqualTo(1);
        assertThat(store.findTaskGroup(old)).isEmpty();
        assertThat(store.findTaskGroup(current)).isPresent();
        // once gone, the id starts a fresh, open group
        assertThat(store.insertTask(inGroup(old, "t", now().plus(Duration.ofHours(1))))).isTrue();
        assertThat(store.findTaskGroup(old).orElseThrow().isSealed()).isFalse();
    }

    @Test
    void concurrentFirstTasksOfANewGroupLeaveOneRowWithTheLatestExpiry() throws Exception {
        String group = slugId();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> inserts = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int i = 1; i <= 16; i++) {
                TaskRecord t = inGroup(group, "sched-a", now().plus(Duration.ofHours(i * 2L)));
                inserts.add(pool.submit(() -> {
                    start.await();
                    return store.insertTask(t);
                }));
            }
            start.countDown();
            for (Future<Boolean> f : inserts) assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.findTaskGroup(group).orElseThrow().expires())
                .isEqualTo(now().plus(Duration.ofHours(32)).plus(TaskStore.GROUP_EXPIRY_MARGIN));
        assertThat(store.taskGroup(group, null, 100).items()).hasSize(16);
    }

    /**
     * What cancelTaskGroup relies on: once a seal has returned, the group's task list is final. A task going in
     * while the seal happens is either refused or already listed; never added after the seal.
     */
    @Test
    void aTaskGoingInWhileItsGroupIsSealedIsRefusedOrListedWhenTheSealReturns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 10; round++) {
                String group = slugId();
                store.insertTask(inGroup(group, "s", now().plus(Duration.ofDays(1))));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> inserts = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    TaskRecord t = inGroup(group, "s", now().plus(Duration.ofDays(1)));
                    inserts.add(pool.submit(() -> {
                        start.await();
                        try {
                            return store.insertTask(t) ? t.taskId() : null;
                        } catch (TaskGroupRefusedException refused) {
                            return null;
                        }
                    }));
                }
                start.countDown();
                store.sealTaskGroup(group, now());
                Set<String> listedAtSeal = new java.util.HashSet<>();
                store.taskGroup(group, null, 1000).items().forEach(r -> listedAtSeal.add(r.taskId()));
                for (Future<String> f : inserts) {
                    String inserted = f.get(30, TimeUnit.SECONDS);
                    if (inserted != null) assertThat(listedAtSeal).as("round %d: task inserted after the seal", round).contains(inserted);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- notifications

    @Test
    void onPendingListenerHearsTheQueueOfEveryNewPendingEntry() {
        Set<String> heard = ConcurrentHashMap.newKeySet();
        store.onPending(heard::add);

        insertPending();
        TaskRecord unscheduled = unscheduledTask(definition(queue + "x", now()).build(), now());
        store.insertTask(unscheduled);
        assertThat(heard).containsExactly(queue);

        String later = unscheduled.definition().taskQueueId();
        store.modify(unscheduled.taskId(), s -> TaskLifecycle.schedule(s, now()));
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains(later));
    }

    // ---- artifacts

    @Test
    void putArtifactInsertsThenReplacesOnlyWhenThePredicateAccepts() {
        TaskRecord t = insertPending();
        Instant expires = now().plus(Duration.ofDays(1));
        ArtifactRecord first = artifact(t.taskId(), 0, "public/a.txt", expires);

        assertThat(store.putArtifact(first, a -> { throw new AssertionError("nothing to replace"); })).isEqualTo(first);
        assertThat(store.findArtifact(t.taskId(), 0, "public/a.txt")).contains(first);

        ArtifactRecord uploaded = first.withPresent(true, JsonNodeFactory.instance.objectNode().put("size", 5).put("sha256", "ab"));
        assertThat(store.putArtifact(uploaded, existing -> false)).isEqualTo(first);
        assertThat(store.findArtifact(t.taskId(), 0, "public/a.txt")).contains(first);

        assertThat(store.putArtifact(uploaded, existing -> !existing.present())).isEqualTo(uploaded);
        assertThat(store.findArtifact(t.taskId(), 0, "public/a.txt")).contains(uploaded);
        assertThat(store.findArtifact(t.taskId(), 1, "public/a.txt")).isEmpty();
    }

    @Test
    void artifactsOfARunArePagedInNameOrder() {
        TaskRecord t = insertPending();
        Instant expires = now().plus(Duration.ofDays(1));
        List<String> names = new ArrayList<>(List.of("public/b", "public/a", "private/x", "public/a-b", "public/a_b"));
        for (String n : names) store.putArtifact(artifact(t.taskId(), 0, n, expires), a -> true);
        store.putArtifact(artifact(t.taskId(), 1, "public/other-run", expires), a -> true);
        Collections.sort(names);

        List<String> seen = collectPages(token -> {
            Page<ArtifactRecord> p = store.artifacts(t.taskId(), 0, token, 2);
            return new Page<>(p.items().stream().map(ArtifactRecord::name).toList(), p.continuationToken());
        }, 2);

        assertThat(seen).containsExactlyElementsOf(names);
    }

    @Test
    void expiredArtifactsAndDeleteArtifact() {
        TaskRecord t = insertPending();
        ArtifactRecord old = artifact(t.taskId(), 0, "public/old", now().plus(Duration.ofDays(1)));
        ArtifactRecord fresh = artifact(t.taskId(), 0, "public/fresh", now().plus(Duration.ofDays(10)));
        store.putArtifact(old, a -> true);
        store.putArtifact(fresh, a -> true);

        assertThat(store.expiredArtifacts(now(), 10)).isEmpty();
        assertThat(store.expiredArtifacts(now().plus(Duration.ofDays(2)), 10)).containsExactly(old);

        store.deleteArtifact(t.taskId(), 0, "public/old");
        assertThat(store.findArtifact(t.taskId(), 0, "public/old")).isEmpty();
        assertThat(store.expiredArtifacts(now().plus(Duration.ofDays(2)), 10)).isEmpty();
        assertThat(store.findArtifact(t.taskId(), 0, "public/fresh")).contains(fresh);
    }

    /** Used by subclasses that check cross-instance behaviour. */
    protected static TaskStatus statusOf(TaskStore s, String taskId) {
        return s.findTask(taskId).orElseThrow().status();
    }
}
