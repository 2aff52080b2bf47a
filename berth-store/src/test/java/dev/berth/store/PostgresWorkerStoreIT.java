package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerStore;
import dev.berth.testing.WorkerStoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresWorkerStoreIT extends WorkerStoreContract {

    private PostgresDatabase database;
    private Storage storage;

    @Override
    protected WorkerStore newStore() {
        database = PostgresDatabase.create();
        storage = Storage.open(database.url(), null, null);
        return storage.workers();
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) storage.close();
        if (database != null) database.close();
    }

    /** Two servers seeing the same new worker at the same moment: one creates it, the other updates it; neither fails. */
    @Test
    void concurrentFirstSightingsOfOneWorkerBothSucceed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 30; i++) {
                String id = "w" + i;
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<WorkerRecord>> seen = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    seen.add(pool.submit(() -> {
                        start.await();
                        store.upsertTaskQueue("race/q" + id, null, null, clock.instant().plus(Duration.ofDays(1)), clock.instant(), true);
                        return store.workerSeen("race/q" + id, "g", id, clock.instant().plus(Duration.ofDays(1)), clock.instant());
                    }));
                }
                for (Future<WorkerRecord> f : seen) assertThat(f.get().workerId()).isEqualTo(id);
                assertThat(store.findWorker("race/q" + id, "g", id)).isPresent();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
