package dev.berth.core.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.store.Page;
import dev.berth.testing.InMemoryWorkerStore;
import dev.berth.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerServiceTest {

    private final MutableClock clock = new MutableClock();
    private final CountingStore store = new CountingStore(new InMemoryWorkerStore());
    private final WorkerService workers = new WorkerService(store, clock);

    @Test
    void aBusyWorkerIsWrittenAsSeenAtMostOncePerIntervalNotOncePerClaim() {
        for (int i = 0; i < 50; i++) {
            assertThat(workers.workerSeen("p/t", "g", "w")).isEmpty();
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(store.writes.get()).as("one worker row and one queue row, from the first claim").isEqualTo(2);
        Instant firstSeen = store.findWorker("p/t", "g", "w").orElseThrow().lastDateActive();

        clock.advance(WorkerService.SEEN_INTERVAL);
        workers.workerSeen("p/t", "g", "w");
        assertThat(store.writes.get()).isEqualTo(4);
        assertThat(store.findWorker("p/t", "g", "w").orElseThrow().lastDateActive()).isAfter(firstSeen);
        assertThat(store.findTaskQueue("p/t").orElseThrow().lastDateActive()).isEqualTo(clock.instant());
    }

    @Test
    void aQuarantineStopsTheWorkerAtOnceAndEndsWhenItsTimePassesWithoutAnotherRead() {
        workers.workerSeen("p/t", "g", "w");
        Instant until = clock.instant().plus(Duration.ofMinutes(10));
        WorkerRecord w = workers.quarantine("p/t", "g", "w", until, "admin", "bad disk");
        assertThat(w.quarantineDetails()).containsExactly(new QuarantineDetail("admin", clock.instant(), until, "bad disk"));
        assertThat(workers.workerSeen("p/t", "g", "w")).contains(until);
        assertThat(workers.workerSeen("p/t", "g", "other")).as("only that worker").isEmpty();
        assertThat(workers.workerSeen("p/other", "g", "w")).as("only on that task queue").isEmpty();

        clock.advance(Duration.ofMinutes(10));
        assertThat(workers.workerSeen("p/t", "g", "w")).as("quarantineUntil is now: over").isEmpty();
    }

    @Test
    void liftingAQuarantineLetsTheWorkerClaimAtOnce() {
        workers.workerSeen("p/t", "g", "w");
        workers.quarantine("p/t", "g", "w", clock.instant().plus(Duration.ofDays(1)), "admin", null);
        WorkerRecord lifted = workers.quarantine("p/t", "g", "w", clock.instant(), "admin", "fixed");
        assertThat(lifted.quarantineDetails()).extracting(QuarantineDetail::quarantineInfo).containsExactly("[unspecified]", "fixed");
        assertThat(workers.workerSeen("p/t", "g", "w")).isEmpty();
    }

    @Test
    void aQuarantineSetThroughAnotherServerIsSeenWithinTheInterval() {
        WorkerService other = new WorkerService(store, clock);
        workers.workerSeen("p/t", "g", "w");
        Instant until = clock.instant().plus(Duration.ofHours(1));
        other.quarantine("p/t", "g", "w", until, "admin", "x");
        clock.advance(WorkerService.SEEN_INTERVAL);
        assertThat(workers.workerSeen("p/t", "g", "w")).contains(until);
    }

    @Test
    void quarantiningAWorkerNeverSeenIsNotFound() {
        assertThatThrownBy(() -> workers.quarantine("p/t", "g", "ghost", clock.instant().plus(Duration.ofHours(1)), "a", null))
                .isInstanceOf(BerthException.class).hasMessageContaining("ghost")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void aCreatedTaskListsItsQueueWithoutCountingAsActivityAndOnlyOncePerInterval() {
        Instant created = clock.instant();
        workers.taskQueueUsed("p/new");
        clock.advance(Duration.ofSeconds(1));
        workers.taskQueueUsed("p/new");
        assertThat(store.writes.get()).isEqualTo(1);
        assertThat(workers.taskQueue("p/new").lastDateActive()).isEqualTo(created);
        clock.advance(WorkerService.SEEN_INTERVAL);
        workers.taskQueueUsed("p/new");
        assertThat(workers.taskQueue("p/new").lastDateActive()).as("still no worker activity").isEqualTo(created);
        assertThat(workers.provisioner("p").provisionerId()).isEqualTo("p");
    }

    @Test
    void aClaimAfterAQuietIntervalIsRecordedAtOnceLaterOnesByTheNextFlush() {
        workers.workerSeen("p/t", "g", "w");
        TaskRun first = new TaskRun("AAAAAAAAAAAAAAAAAAAAAA", 0);
        workers.tasksClaimed("p/t", "g", "w", List.of(first));
        assertThat(workers.worker("p/t", "g", "w").recentTasks()).containsExactly(first);
        int before = store.writes.get();
        workers.tasksClaimed("p/t", "g", "w", List.of());
        List<TaskRun> more = java.util.stream.IntStream.range(0, 30).mapToObj(i -> new TaskRun("BBBBBBBBBBBBBBBBBBBBB" + (char) ('a' + i % 26), i)).toList();
        for (TaskRun r : more) workers.tasksClaimed("p/t", "g", "w", List.of(r));
        assertThat(store.writes.get()).as("claims in the same interval write nothing themselves").isEqualTo(before);
        assertThat(workers.flushRecentTasks()).isEqualTo(WorkerRecord.RECENT_TASKS);
        assertThat(store.writes.get()).as("one write for the worker's 30 claims").isEqualTo(before + 1);
        assertThat(workers.worker("p/t", "g", "w").recentTasks()).isEqualTo(more.subList(10, 30));
        assertThat(workers.flushRecentTasks()).isZero();
        clock.advance(WorkerService.SEEN_INTERVAL);
        workers.tasksClaimed("p/t", "g", "w", List.of(first));
        assertThat(workers.worker("p/t", "g", "w").recentTasks().getLast()).isEqualTo(first);
    }

    @Test
    void aDeclarationOfNothingCreatesNothing() {
        assertThatThrownBy(() -> workers.declareProvisioner("nobody", null, null, null, null)).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> workers.declareTaskQueue("nobody/t", null, null, null)).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> workers.declareWorker("nobody/t", "g", "w", null)).isInstanceOf(BerthException.class);
        assertThat(store.writes.get()).isZero();
        assertThatThrownBy(() -> workers.declareTaskQueue("p/t", null, "solid", null)).hasMessageContaining("stability");
    }

    @Test
    void expiredWorkersAreSweptAndTheirQuarantineForgotten() {
        WorkerRecord w = workers.declareWorker("p/t", "g", "w", clock.instant().plus(Duration.ofMinutes(1)));
        assertThat(w.firstClaim()).isEqualTo(clock.instant());
        clock.advance(Duration.ofMinutes(2));
        assertThat(workers.expire()).as("worker, task queue and provisioner").isEqualTo(3);
        assertThatThrownBy(() -> workers.worker("p/t", "g", "w")).isInstanceOf(BerthException.class);
    }

    /** Counts the writes that claims cause. */
    private static final class CountingStore implements WorkerStore {
        final AtomicInteger writes = new AtomicInteger();
        private final WorkerStore d;

        CountingStore(WorkerStore d) { this.d = d; }

        @Override
        public TaskQueueRecord upsertTaskQueue(String id, String description, String stability, Instant expires, Instant now, boolean active) {
            writes.incrementAndGet();
            return d.upsertTaskQueue(id, description, stability, expires, now, active);
        }

        @Override
        public ProvisionerRecord upsertProvisioner(String id, String description, String stability, List<Action> actions,
                                                   Instant expires, Instant defaultExpires, Instant now) {
            writes.incrementAndGet();
            return d.upsertProvisioner(id, description, stability, actions, expires, defaultExpires, now);
        }

        @Override
        public WorkerRecord workerSeen(String q, String g, String w, Instant expires, Instant now) {
            writes.incrementAndGet();
            return d.workerSeen(q, g, w, expires, now);
        }

        @Override
        public Optional<WorkerRecord> quarantineWorker(String q, String g, String w, Instant until, QuarantineDetail detail, Instant minExpires) {
            writes.incrementAndGet();
            return d.quarantineWorker(q, g, w, until, detail, minExpires);
        }

        @Override
        public void addRecentTasks(String q, String g, String w, List<TaskRun> runs) {
            writes.incrementAndGet();
            d.addRecentTasks(q, g, w, runs);
        }

        @Override
        public Optional<TaskQueueRecord> findTaskQueue(String id) { return d.findTaskQueue(id); }

        @Override
        public Page<TaskQueueRecord> taskQueues(String p, Instant now, String token, int limit) { return d.taskQueues(p, now, token, limit); }

        @Override
        public Optional<ProvisionerRecord> findProvisioner(String id) { return d.findProvisioner(id); }

        @Override
        public Page<ProvisionerRecord> provisioners(Instant now, String token, int limit) { return d.provisioners(now, token, limit); }

        @Override
        public Optional<WorkerRecord> findWorker(String q, String g, String w) { return d.findWorker(q, g, w); }

        @Override
        public Page<WorkerRecord> workers(String q, Boolean quarantined, Instant now, String token, int limit) {
            return d.workers(q, quarantined, now, token, limit);
        }

        @Override
        public int deleteExpired(Instant now) { return d.deleteExpired(now); }

        @Override
        public void close() {}
    }
}
