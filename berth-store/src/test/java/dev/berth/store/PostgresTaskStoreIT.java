package dev.berth.store;

import static dev.berth.testing.TaskFixtures.definition;
import static dev.berth.testing.TaskFixtures.pendingTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.core.store.TaskStore;
import dev.berth.testing.TaskStoreContract;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresTaskStoreIT extends TaskStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected TaskStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.tasks();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }

    /**
     * A dependent created while its only dependency completes is scheduled whatever the interleaving: the
     * resolution's in-transaction look at the edges (noDependents) and the dependent's locking re-read of the
     * states cannot both miss each other.
     */
    @Test
    void dependentCreatedWhileItsDependencyCompletesIsAlwaysScheduled() throws Exception {
        dev.berth.core.queue.QueueService queue = new dev.berth.core.queue.QueueService(store, clock,
                Duration.ofMinutes(20));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 150; i++) {
                dev.berth.core.store.TaskRecord required = pendingTask(definition(this.queue, now()).build(), now());
                store.insertTask(required);
                store.modify(required.taskId(), dev.berth.testing.TaskFixtures.claimBy("w", now()));
                String dependentId = dev.berth.testing.TaskFixtures.slugId();
                var def = definition(this.queue, now()).dependencies(required.taskId()).build();
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                var a = pool.submit(() -> { start.await(); return queue.reportCompleted(required.taskId(), 0); });
                var b = pool.submit(() -> { start.await(); return queue.createTask(dependentId, def); });
                a.get();
                b.get();
                assertThat(store.findTask(dependentId).orElseThrow().status().state())
                        .as("dependent of iteration %d", i).isEqualTo(dev.berth.core.task.TaskState.PENDING);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void onPendingListenerOfAnotherServerOnTheSameDatabaseHearsNewPendingEntries() {
        try (Storage other = Storage.open(database.url(), null, null)) {
            Set<String> heardByOther = ConcurrentHashMap.newKeySet();
            other.tasks().onPending(heardByOther::add);
            // The LISTEN connection starts asynchronously; keep adding work until the other server hears it.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                store.insertTask(pendingTask(definition(queue, now()).build(), now()));
                return heardByOther.contains(queue);
            });
        }
    }

    @Test
    void ownNotificationsAreDeliveredOnceByTheLocalPathNotAgainByListen() throws Exception {
        java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.onPending(heard::add);
        Thread.sleep(700);
        store.insertTask(pendingTask(definition(queue, now()).build(), now()));
        Thread.sleep(1_200);
        assertThat(heard).containsExactly(queue);
    }
}
