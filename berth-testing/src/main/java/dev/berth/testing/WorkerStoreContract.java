package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.store.Page;
import dev.berth.core.workers.Action;
import dev.berth.core.workers.ProvisionerRecord;
import dev.berth.core.workers.QuarantineDetail;
import dev.berth.core.workers.TaskQueueRecord;
import dev.berth.core.workers.TaskRun;
import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link WorkerStore} adapter must have. Subclasses return a store over an empty (or at
 * least test-private) database from {@link #newStore()} and close what they opened afterwards.
 */
public abstract class WorkerStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected WorkerStore store;

    protected abstract WorkerStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    private Instant now() { return clock.instant(); }

    private Instant in(Duration d) { return now().plus(d); }

    // ---- task queues and provisioners

    @Test
    void aTaskQueueSeenFirstIsCreatedWithDefaultsAndItsProvisionerWithIt() {
        TaskQueueRecord q = store.upsertTaskQueue("prov/type-a", null, null, in(Duration.ofDays(5)), now(), true);
        assertThat(q).isEqualTo(new TaskQueueRecord("prov/type-a", "", "experimental", in(Duration.ofDays(5)), now()));
        assertThat(store.findTaskQueue("prov/type-a")).contains(q);
        assertThat(q.provisionerId()).isEqualTo("prov");
        assertThat(q.workerType()).isEqualTo("type-a");
        assertThat(store.findProvisioner("prov")).contains(
                new ProvisionerRecord("prov", "", "experimental", List.of(), in(Duration.ofDays(5)), now()));
    }

    @Test
    void aTaskQueueKeepsItsLaterExpiryTakesDeclaredFieldsAndBumpsActivityOnlyWhenActive() {
        Instant created = now();
        store.upsertTaskQueue("prov/t", "first", "stable", in(Duration.ofDays(5)), now(), true);
        clock.advance(Duration.ofHours(1));
        TaskQueueRecord q = store.upsertTaskQueue("prov/t", null, null, in(Duration.ofDays(1)), now(), false);
        assertThat(q.expires()).as("expiry never moves back").isEqualTo(created.plus(Duration.ofDays(5)));
        assertThat(q.description()).isEqualTo("first");
        assertThat(q.stability()).isEqualTo("stable");
        assertThat(q.lastDateActive()).as("a created task is no worker activity").isEqualTo(created);

        q = store.upsertTaskQueue("prov/t", "second", "deprecated", in(Duration.ofDays(10)), now(), true);
        assertThat(q).isEqualTo(new TaskQueueRecord("prov/t", "second", "deprecated", in(Duration.ofDays(10)), now()));
        assertThat(store.findTaskQueue("prov/t")).contains(q);
        ProvisionerRecord p = store.findProvisioner("prov").orElseThrow();
        assertThat(p.expires()).as("the provisioner lives as long as its queues").isEqualTo(in(Duration.ofDays(10)));
        assertThat(p.lastDateActive()).isEqualTo(now());
    }

    @Test
    void aDeclaredProvisionerKeepsWhatWasDeclaredWhileItsQueuesComeAndGo() {
        List<Action> actions = List.of(new Action("kill", "Kill", "worker", "https://example.test/kill", "POST", "kills"));
        ProvisionerRecord p = store.upsertProvisioner("declared", "my provisioner", "stable", actions, null,
                in(Duration.ofDays(5)), now());
        assertThat(p).isEqualTo(new ProvisionerRecord("declared", "my provisioner", "stable", actions, in(Duration.ofDays(5)), now()));
        store.upsertTaskQueue("declared/q", null, null, in(Duration.ofDays(7)), now(), true);
        p = store.findProvisioner("declared").orElseThrow();
        assertThat(p.description()).isEqualTo("my provisioner");
        assertThat(p.actions()).isEqualTo(actions);
        assertThat(p.expires()).isEqualTo(in(Duration.ofDays(7)));

        clock.advance(Duration.ofMinutes(5));
        p = store.upsertProvisioner("declared", null, "deprecated", null, in(Duration.ofDays(1)), in(Duration.ofDays(5)), now());
        assertThat(p.description()).isEqualTo("my provisioner");
        assertThat(p.stability()).isEqualTo("deprecated");
        assertThat(p.actions()).isEqualTo(actions);
        assertThat(p.expires()).as("a declared expiry does not shorten it").isAfter(in(Duration.ofDays(6)));
        assertThat(p.lastDateActive()).isEqualTo(now());
        assertThat(store.findProvisioner("declared")).contains(p);
    }

    @Test
    void taskQueuesAreListedInIdOrderByProvisionerWithoutExpiredOnesAndPaged() {
        for (String id : List.of("p1/b", "p1/a", "p2/a", "p1/c-d", "p1/c")) {
            store.upsertTaskQueue(id, null, null, in(Duration.ofDays(1)), now(), true);
        }
        store.upsertTaskQueue("p1/old", null, null, in(Duration.ofMinutes(1)), now(), true);
        clock.advance(Duration.ofMinutes(2));
        assertThat(all(t -> store.taskQueues(null, now(), t, 2)).stream().map(TaskQueueRecord::taskQueueId))
                .containsExactly("p1/a", "p1/b", "p1/c", "p1/c-d", "p2/a");
        assertThat(all(t -> store.taskQueues("p1", now(), t, 1)).stream().map(TaskQueueRecord::workerType))
                .containsExactly("a", "b", "c", "c-d");
        Page<TaskQueueRecord> first = store.taskQueues("p2", now(), null, 1);
        assertThat(first.items()).hasSize(1);
        assertThat(first.continuationToken()).as("no token on the last page").isNull();
    }

    @Test
    void provisionersAreListedInIdOrderWithoutExpiredOnesAndPaged() {
        for (String id : List.of("b-prov", "a_prov", "c", "A")) {
            store.upsertProvisioner(id, null, null, null, null, in(Duration.ofDays(1)), now());
        }
        store.upsertProvisioner("gone", null, null, null, null, in(Duration.ofSeconds(1)), now());
        clock.advance(Duration.ofSeconds(5));
        assertThat(all(t -> store.provisioners(now(), t, 3)).stream().map(ProvisionerRecord::provisionerId))
                .containsExactly("A", "a_prov", "b-prov", "c");
    }

    // ---- workers

    @Test
    void aWorkerSeenFirstIsCreatedAndLaterSightingsRaiseExpiryAndActivityButKeepFirstClaim() {
        Instant first = now();
        WorkerRecord w = store.workerSeen("p/t", "group", "w1", in(Duration.ofDays(1)), now());
        assertThat(w).isEqualTo(new WorkerRecord("p/t", "group", "w1", null, List.of(), in(Duration.ofDays(1)), first, first, List.of()));
        clock.advance(Duration.ofHours(3));
        w = store.workerSeen("p/t", "group", "w1", in(Duration.ofHours(1)), now());
        assertThat(w.firstClaim()).isEqualTo(first);
        assertThat(w.lastDateActive()).isEqualTo(now());
        assertThat(w.expires()).isEqualTo(first.plus(Duration.ofDays(1)));
        w = store.workerSeen("p/t", "group", "w1", in(Duration.ofDays(2)), now());
        assertThat(w.expires()).isEqualTo(in(Duration.ofDays(2)));
        assertThat(store.findWorker("p/t", "group", "w1")).contains(w);
        assertThat(store.findWorker("p/other", "group", "w1")).as("a worker belongs to one task queue").isEmpty();
    }

    @Test
    void quarantineSetsUntilKeepsEveryChangeAndRaisesExpiry() {
        assertThat(store.quarantineWorker("p/t", "g", "nobody", in(Duration.ofHours(1)),
                new QuarantineDetail("me", now(), in(Duration.ofHours(1)), "x"), in(Duration.ofDays(1))))
                .as("no such worker").isEmpty();
        store.workerSeen("p/t", "g", "w", in(Duration.ofMinutes(10)), now());
        QuarantineDetail d1 = new QuarantineDetail("client-a", now(), in(Duration.ofHours(2)), "broken disk");
        WorkerRecord w = store.quarantineWorker("p/t", "g", "w", in(Duration.ofHours(2)), d1, in(Duration.ofDays(1))).orElseThrow();
        assertThat(w.quarantineUntil()).isEqualTo(in(Duration.ofHours(2)));
        assertThat(w.quarantineDetails()).containsExactly(d1);
        assertThat(w.expires()).isEqualTo(in(Duration.ofDays(1)));
        assertThat(w.quarantinedAt(now())).isTrue();

        clock.advance(Duration.ofMinutes(30));
        QuarantineDetail d2 = new QuarantineDetail("client-b", now(), now(), "[unspecified]");
        w = store.quarantineWorker("p/t", "g", "w", now(), d2, in(Duration.ofDays(1))).orElseThrow();
        assertThat(w.quarantinedAt(now())).as("lifted").isFalse();
        assertThat(w.quarantineDetails()).containsExactly(d1, d2);
        assertThat(store.findWorker("p/t", "g", "w")).contains(w);
    }

    @Test
    void recentTasksKeepTheLastTwentyRunsInClaimOrder() {
        store.addRecentTasks("p/t", "g", "ghost", List.of(new TaskRun("AAAAAAAAAAAAAAAAAAAAAA", 0)));
        assertThat(store.findWorker("p/t", "g", "ghost")).as("nothing is created for runs alone").isEmpty();
        store.workerSeen("p/t", "g", "w", in(Duration.ofDays(1)), now());
        List<TaskRun> runs = IntStream.range(0, 25).mapToObj(i -> new TaskRun(TaskFixtures.slugId(), i % 3)).toList();
        store.addRecentTasks("p/t", "g", "w", runs.subList(0, 1));
        store.addRecentTasks("p/t", "g", "w", runs.subList(1, 4));
        assertThat(store.findWorker("p/t", "g", "w").orElseThrow().recentTasks()).isEqualTo(runs.subList(0, 4));
        store.addRecentTasks("p/t", "g", "w", runs.subList(4, 25));
        assertThat(store.findWorker("p/t", "g", "w").orElseThrow().recentTasks()).isEqualTo(runs.subList(5, 25));
    }

    @Test
    void workersAreListedByGroupThenIdFilteredByQuarantineAndPaged() {
        // '-' sorts before '/', so joining group and id into one key would misorder these
        for (String[] gw : List.of(new String[]{"g", "b"}, new String[]{"g-x", "a"}, new String[]{"g", "a"},
                new String[]{"g", "a-1"}, new String[]{"h", "z"})) {
            store.workerSeen("p/t", gw[0], gw[1], in(Duration.ofDays(1)), now());
        }
        store.workerSeen("p/other", "g", "elsewhere", in(Duration.ofDays(1)), now());
        store.workerSeen("p/t", "g", "expired", in(Duration.ofMinutes(1)), now());
        store.workerSeen("p/t", "g", "expired-but-quarantined", in(Duration.ofMinutes(1)), now());
        store.quarantineWorker("p/t", "g", "expired-but-quarantined", in(Duration.ofDays(3)),
                new QuarantineDetail("c", now(), in(Duration.ofDays(3)), "i"), now());
        store.quarantineWorker("p/t", "g", "b", in(Duration.ofHours(1)), new QuarantineDetail("c", now(), in(Duration.ofHours(1)), "i"), now());
        clock.advance(Duration.ofMinutes(2));

        Function<List<WorkerRecord>, List<String>> names = ws -> ws.stream().map(w -> w.workerGroup() + "/" + w.workerId()).toList();
        assertThat(names.apply(all(t -> store.workers("p/t", null, now(), t, 2))))
                .containsExactly("g/a", "g/a-1", "g/b", "g/expired-but-quarantined", "g-x/a", "h/z");
        assertThat(names.apply(all(t -> store.workers("p/t", true, now(), t, 1))))
                .containsExactly("g/b", "g/expired-but-quarantined");
        assertThat(names.apply(all(t -> store.workers("p/t", false, now(), t, 1))))
                .containsExactly("g/a", "g/a-1", "g-x/a", "h/z");
        clock.advance(Duration.ofHours(1));
        assertThat(names.apply(all(t -> store.workers("p/t", true, now(), t, 10))))
                .as("a quarantine that ended at this very instant is over").containsExactly("g/expired-but-quarantined");
    }

    @Test
    void deleteExpiredRemovesQueuesProvisionersAndWorkersPastExpiryButKeepsQuarantinedWorkers() {
        store.upsertTaskQueue("old/q", null, null, in(Duration.ofHours(1)), now(), true);
        store.upsertTaskQueue("new/q", null, null, in(Duration.ofDays(1)), now(), true);
        store.workerSeen("old/q", "g", "plain", in(Duration.ofHours(1)), now());
        store.workerSeen("old/q", "g", "quarantined", in(Duration.ofHours(1)), now());
        store.quarantineWorker("old/q", "g", "quarantined", in(Duration.ofDays(2)),
                new QuarantineDetail("c", now(), in(Duration.ofDays(2)), "i"), now());
        store.workerSeen("new/q", "g", "w", in(Duration.ofDays(1)), now());
        clock.advance(Duration.ofHours(2));

        assertThat(store.deleteExpired(now())).isEqualTo(3);
        assertThat(store.findTaskQueue("old/q")).isEmpty();
        assertThat(store.findProvisioner("old")).isEmpty();
        assertThat(store.findWorker("old/q", "g", "plain")).isEmpty();
        assertThat(store.findWorker("old/q", "g", "quarantined")).isPresent();
        assertThat(store.findTaskQueue("new/q")).isPresent();
        assertThat(store.findProvisioner("new")).isPresent();
        assertThat(store.findWorker("new/q", "g", "w")).isPresent();
        assertThat(store.deleteExpired(now())).isZero();
        clock.advance(Duration.ofDays(3));
        assertThat(store.deleteExpired(now())).as("the new queue, its provisioner and worker, the quarantined worker").isEqualTo(4);
    }

    /** Every item of a listing, following its continuation tokens. */
    private static <T> List<T> all(Function<String, Page<T>> listing) {
        List<T> out = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Page<T> page = listing.apply(token);
            out.addAll(page.items());
            token = page.continuationToken();
            if (++pages > 100) throw new AssertionError("the listing does not end");
        } while (token != null);
        return out;
    }
}
