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
