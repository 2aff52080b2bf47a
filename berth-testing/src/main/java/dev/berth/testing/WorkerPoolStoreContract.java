package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolWorker;
import dev.berth.core.pools.WorkerPool;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolStore;
import dev.berth.core.pools.WorkerState;
import dev.berth.core.store.Page;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link WorkerPoolStore} adapter must have; {@link #newStore()} gives an empty one. */
public abstract class WorkerPoolStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected WorkerPoolStore store;

    protected abstract WorkerPoolStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private static final JsonNode CONFIG = Json.tree("{\"dockerHosts\":[\"unix:///var/run/docker.sock\"],\"image\":\"berth/worker:1\","
            + "\"maxCapacity\":3,\"hostConfig\":{\"dns\":[\"10.0.0.1\"]}}");

    private WorkerPool pool(String id) {
        return new WorkerPool(id, "docker", "pool " + id, CONFIG, "ops@example.com", true, clock.instant(), clock.instant());
    }

    private PoolWorker worker(String pool, String group, String id, WorkerState state, int capacity) {
        Instant now = clock.instant();
        return new PoolWorker(pool, group, id, "docker", state, capacity, now, now.plus(Duration.ofDays(1)), now, now,
                Json.tree("{\"container\":\"c-" + id + "\",\"host\":\"unix:///var/run/docker.sock\"}"));
    }

    private WorkerPoolError error(String pool, String errorId) {
        return new WorkerPoolError(errorId, pool, clock.instant(), "worker-error", "exited before claiming",
                "exit 1\nlast lines", Json.tree("{\"exitCode\":1}"));
    }

    // ---- pools

    @Test
    void aCreatedPoolIsReadBackWithEveryField() {
        WorkerPool p = pool("proj/docker");
        assertThat(store.createPool(p)).isTrue();

        assertThat(store.pool("proj/docker")).contains(p);
        assertThat(store.pool("proj/other")).isEmpty();
    }

    @Test
    void creatingAPoolWhoseIdIsTakenChangesNothing() {
        store.createPool(pool("proj/docker"));
        WorkerPool other = new WorkerPool("proj/docker", "docker", "another", CONFIG, "x@example.com", false, clock.instant(), clock.instant());

        assertThat(store.createPool(other)).isFalse();
        assertThat(store.pool("proj/docker").orElseThrow().description()).isEqualTo("pool proj/docker");
    }

    @Test
    void anUpdateReplacesTheDefinitionButKeepsCreated() {
        WorkerPool p = pool("proj/docker");
        store.createPool(p);
        clock.advance(Duration.ofMinutes(5));
        WorkerPool changed = new WorkerPool("proj/docker", "null-provider", "going", Json.tree("{\"a\":1}"), "y@example.com", false,
                clock.instant(), clock.instant());

        assertThat(store.updatePool(changed)).isTrue();
        WorkerPool read = store.pool("proj/docker").orElseThrow();
        assertThat(read.providerId()).isEqualTo("null-provider");
        assertThat(read.description()).isEqualTo("going");
        assertThat(read.config()).isEqualTo(Json.tree("{\"a\":1}"));
        assertThat(read.owner()).isEqualTo("y@example.com");
        assertThat(read.emailOnError()).isFalse();
        assertThat(read.created()).isEqualTo(p.created());
        assertThat(read.lastModified()).isEqualTo(clock.instant());
        assertThat(store.updatePool(pool("proj/missing"))).isFalse();
    }

    @Test
    void poolsAreListedByIdAPageAtATime() {
        List<String> ids = List.of("b/two", "a/one", "c-x/three", "a/zed", "a_b/four");
        for (String id : ids) store.createPool(pool(id));

        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Page<WorkerPool> page = store.pools(token, 2);
            page.items().forEach(p -> seen.add(p.workerPoolId()));
            token = page.continuationToken();
            pages++;
        } while (token != null);

        assertThat(seen).containsExactly("a/one", "a/zed", "a_b/four", "b/two", "c-x/three");
        assertThat(pages).isEqualTo(3);
    }

    private WorkerPool deleting(String id) {
        return new WorkerPool(id, "null-provider", "pool " + id, CONFIG, "ops@example.com", true, clock.instant(), clock.instant());
    }

    @Test
    void aPoolMarkedForDeletionWithNoLiveWorkerIsRemovedWithItsWorkersAndErrors() {
        store.createPool(pool("proj/docker"));
        store.createPool(pool("proj/kept"));
        store.createWorker(worker("proj/docker", "g", "w1", WorkerState.STOPPED, 1));
        store.createWorker(worker("proj/kept", "g", "w1", WorkerState.RUNNING, 1));
        store.addError(error("proj/docker", "e1"));
        store.updatePool(deleting("proj/docker"));

        assertThat(store.removeIfDrained("proj/docker")).isTrue();
        assertThat(store.removeIfDrained("proj/docker")).isFalse();
        assertThat(store.pool("proj/docker")).isEmpty();
        assertThat(store.worker("proj/docker", "g", "w1")).isEmpty();
        assertThat(store.errorsSince(null, clock.instant().minusSeconds(60))).isEmpty();
        assertThat(store.worker("proj/kept", "g", "w1")).isPresent();
    }

    @Test
    void aPoolWithALiveWorkerOrNotMarkedForDeletionStays() {
        store.createPool(pool("proj/active"));
        store.createPool(pool("proj/draining"));
        store.updatePool(deleting("proj/draining"));
        for (WorkerState live : List.of(WorkerState.REQUESTED, WorkerState.RUNNING, WorkerState.STOPPING)) {
            store.createWorker(worker("proj/draining", "g", live.wire(), live, 1));
        }

        assertThat(store.removeIfDrained("proj/active")).isFalse();
        assertThat(store.removeIfDrained("proj/draining")).isFalse();
        assertThat(store.removeIfDrained("proj/missing")).isFalse();
        for (WorkerState live : List.of(WorkerState.REQUESTED, WorkerState.RUNNING)) {
            PoolWorker w = store.worker("proj/draining", "g", live.wire()).orElseThrow();
            store.updateWorker(w.withState(WorkerState.STOPPED, clock.instant()));
        }
        assertThat(store.removeIfDrained("proj/draining")).as("one worker is still stopping").isFalse();
        PoolWorker stopping = store.worker("proj/draining", "g", "stopping").orElseThrow();
        store.updateWorker(stopping.withState(WorkerState.STOPPED, clock.instant()));
        assertThat(store.removeIfDrained("proj/draining")).isTrue();
        assertThat(store.pool("proj/active")).isPresent();
    }

    // ---- workers

    @Test
    void aCreatedWorkerIsReadBackWithEveryFieldAndCannotBeCreatedTwice() {
        store.createPool(pool("proj/docker"));
        PoolWorker w = worker("proj/docker", "local", "w-1", WorkerState.REQUESTED, 2);

        assertThat(store.createWorker(w)).isTrue();
        assertThat(store.createWorker(worker("proj/docker", "local", "w-1", WorkerState.RUNNING, 5))).isFalse();
        assertThat(store.worker("proj/docker", "local", "w-1")).contains(w);
        assertThat(store.worker("proj/docker", "local", "w-2")).isEmpty();
    }

    @Test
    void aWorkerIsAdmittedOnlyWithinMaxCapacityCountingEveryLiveState() {
        store.createPool(pool("proj/docker"));
        store.createWorker(worker("proj/docker", "g", "stopping", WorkerState.STOPPING, 1));
        store.createWorker(worker("proj/docker", "g", "stopped", WorkerState.STOPPED, 5));

        assertThat(store.createWorkerWithin(worker("proj/docker", "g", "a", WorkerState.REQUESTED, 2), 3)).isTrue();
        assertThat(store.createWorkerWithin(worker("proj/docker", "g", "b", WorkerState.REQUESTED, 1), 3)).as("3 live already").isFalse();
        assertThat(store.createWorkerWithin(worker("proj/docker", "g", "b", WorkerState.REQUESTED, 1), 4)).isTrue();
        assertThat(store.createWorkerWithin(worker("proj/docker", "g", "b", WorkerState.REQUESTED, 1), 10)).as("exists").isFalse();
        assertThat(store.worker("proj/docker", "g", "b")).isPresent();
        assertThat(store.createWorkerWithin(worker("proj/missing", "g", "a", WorkerState.REQUESTED, 1), 10)).isFalse();
        store.updatePool(deleting("proj/docker"));
        assertThat(store.createWorkerWithin(worker("proj/docker", "g", "c", WorkerState.REQUESTED, 1), 10)).as("being deleted").isFalse();
    }

    @Test
    void admissionsAtTheSameMomentNeverTakeAPoolAboveMaxCapacity() throws Exception {
        store.createPool(pool("proj/docker"));
        int attempts = 12;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                String id = "w" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return store.createWorkerWithin(worker("proj/docker", "g", id, WorkerState.REQUESTED, 1), 3);
                }));
            }
            start.countDown();
            int admitted = 0;
            for (var r : results) if (r.get(60, java.util.concurrent.TimeUnit.SECONDS)) admitted++;
            assertThat(admitted).isEqualTo(3);
            assertThat(store.counts("proj/docker").requestedCount()).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUpdatedWorkerKeepsItsIdentityAndCreated() {
        store.createPool(pool("proj/docker"));
        PoolWorker w = worker("proj/docker", "local", "w-1", WorkerState.REQUESTED, 1);
        store.createWorker(w);
        clock.advance(Duration.ofSeconds(30));
        PoolWorker running = w.withState(WorkerState.RUNNING, clock.instant())
                .withProviderData(Json.tree("{\"container\":\"abc\"}"), clock.instant())
                .withExpiresAndCapacity(clock.instant().plus(Duration.ofHours(2)), 3, clock.instant());

        assertThat(store.updateWorker(running)).isTrue();
        PoolWorker read = store.worker("proj/docker", "local", "w-1").orElseThrow();
        assertThat(read).isEqualTo(running);
        assertThat(read.created()).isEqualTo(w.created());
        assertThat(store.updateWorker(worker("proj/docker", "local", "nobody", WorkerState.RUNNING, 1))).isFalse();
    }

    @Test
    void workersAreListedByGroupThenIdNarrowedByGroupAndStateAPageAtATime() {
        store.createPool(pool("proj/docker"));
        store.createPool(pool("proj/other"));
        store.createWorker(worker("proj/docker", "b", "w1", WorkerState.RUNNING, 1));
        store.createWorker(worker("proj/docker", "a", "w2", WorkerState.REQUESTED, 1));
        store.createWorker(worker("proj/docker", "a", "w1", WorkerState.RUNNING, 1));
        store.createWorker(worker("proj/docker", "a-b", "w0", WorkerState.STOPPED, 1));
        store.createWorker(worker("proj/other", "a", "w9", WorkerState.RUNNING, 1));

        List<String> all = new ArrayList<>();
        String token = null;
        do {
            Page<PoolWorker> page = store.workers("proj/docker", null, null, token, 1);
            page.items().forEach(w -> all.add(w.workerGroup() + "/" + w.workerId()));
            token = page.continuationToken();
        } while (token != null);
        assertThat(all).containsExactly("a/w1", "a/w2", "a-b/w0", "b/w1");

        assertThat(store.workers("proj/docker", "a", null, null, 10).items()).extracting(PoolWorker::workerId).containsExactly("w1", "w2");
        assertThat(store.workers("proj/docker", null, WorkerState.RUNNING, null, 10).items())
                .extracting(w -> w.workerGroup() + "/" + w.workerId()).containsExactly("a/w1", "b/w1");
        assertThat(store.workers("proj/none", null, null, null, 10).items()).isEmpty();
    }

    @Test
    void countsAddUpWorkersAndCapacityByState() {
        store.createPool(pool("proj/docker"));
        store.createWorker(worker("proj/docker", "g", "r1", WorkerState.REQUESTED, 2));
        store.createWorker(worker("proj/docker", "g", "u1", WorkerState.RUNNING, 1));
        store.createWorker(worker("proj/docker", "g", "u2", WorkerState.RUNNING, 3));
        store.createWorker(worker("proj/docker", "g", "s1", WorkerState.STOPPING, 1));
        store.createWorker(worker("proj/docker", "g", "d1", WorkerState.STOPPED, 5));

        assertThat(store.counts("proj/docker")).isEqualTo(new PoolCounts(1, 2, 1, 1, 2, 4, 1, 5));
        assertThat(store.counts("proj/docker").currentCapacity()).isEqualTo(6);
        assertThat(store.counts("proj/empty")).isEqualTo(PoolCounts.NONE);
    }

    @Test
    void onlyStoppedWorkersPastTheirExpiryAreExpired() {
        store.createPool(pool("proj/docker"));
        store.createWorker(worker("proj/docker", "g", "stopped", WorkerState.STOPPED, 1));
        store.createWorker(worker("proj/docker", "g", "running", WorkerState.RUNNING, 1));
        clock.advance(Duration.ofHours(1));
        store.createWorker(worker("proj/docker", "g", "young", WorkerState.STOPPED, 1));
        clock.advance(Duration.ofMinutes(23 * 60 + 30)); // past the first one's expiry (a day), not the young one's

        assertThat(store.expireWorkers(clock.instant())).isEqualTo(1);
        assertThat(store.worker("proj/docker", "g", "stopped")).isEmpty();
        assertThat(store.worker("proj/docker", "g", "running")).isPresent();
        assertThat(store.worker("proj/docker", "g", "young")).isPresent();
    }

    // ---- errors

    @Test
    void errorsAreListedNewestFirstAPageAtATimeAndOneCanBePickedById() {
        store.createPool(pool("proj/docker"));
        store.createPool(pool("proj/other"));
        List<WorkerPoolError> added = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WorkerPoolError e = error("proj/docker", "err" + i);
            store.addError(e);
            added.add(e);
            if (i != 2) clock.advance(Duration.ofSeconds(1)); // err2 and err3 share a time: the id breaks the tie
        }
        store.addError(error("proj/other", "elsewhere"));

        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            Page<WorkerPoolError> page = store.errors("proj/docker", null, token, 2);
            page.items().forEach(e -> seen.add(e.errorId()));
            token = page.continuationToken();
        } while (token != null);
        assertThat(seen).containsExactly("err4", "err3", "err2", "err1", "err0");
        assertThat(store.errors("proj/docker", "err1", null, 10).items()).containsExactly(added.get(1));
        assertThat(store.errors("proj/docker", "elsewhere", null, 10).items()).isEmpty();
    }

    @Test
    void errorsSinceATimeAreFoundForOnePoolOrAllAndOldOnesExpire() {
        store.createPool(pool("proj/docker"));
        store.createPool(pool("proj/other"));
        store.addError(error("proj/docker", "old"));
        clock.advance(Duration.ofDays(8));
        Instant since = clock.instant();
        store.addError(error("proj/docker", "new"));
        store.addError(error("proj/other", "other"));

        assertThat(store.errorsSince("proj/docker", since)).extracting(WorkerPoolError::errorId).containsExactly("new");
        assertThat(store.errorsSince(null, since)).extracting(WorkerPoolError::errorId).containsExactlyInAnyOrder("new", "other");
        assertThat(store.expireErrors(since.minus(Duration.ofDays(7)))).isEqualTo(1);
        assertThat(store.errors("proj/docker", null, null, 10).items()).extracting(WorkerPoolError::errorId).containsExactly("new");
    }
}
