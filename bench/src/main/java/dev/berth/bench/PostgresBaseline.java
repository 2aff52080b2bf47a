package dev.berth.bench;

import dev.berth.core.auth.Slugid;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The queue benchmark's baseline: PostgreSQL alone doing a cycle's three durable writes — insert a task row,
 * claim the oldest pending one ({@code FOR UPDATE SKIP LOCKED}), complete it — over plain JDBC from as many
 * connections as the benchmark has workers, each write its own commit. No HTTP, no auth, no JSON handling: what
 * the database costs for the same work, measured in the same run so that Berth's figure has a ratio.
 */
final class PostgresBaseline {

    private static final String TABLE = "bench_baseline_cycles";

    record Result(int cycles, double seconds, QueueBenchmark.Cpu cpu) {
        double cyclesPerSecond() {
            return cycles / seconds;
        }
    }

    private PostgresBaseline() {
    }

    static Result run(String jdbcUrl, String pgDb, int threads, int cycles, int warmup) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
            s.execute("CREATE TABLE " + TABLE + " (id BIGSERIAL PRIMARY KEY, task_id VARCHAR(22) NOT NULL,"
                    + " state VARCHAR(16) NOT NULL, taken_until TIMESTAMPTZ, definition TEXT NOT NULL, status TEXT)");
            s.execute("CREATE INDEX " + TABLE + "_pending ON " + TABLE + " (id) WHERE state = 'pending'");
        }
        String definition = QueueBenchmark.taskBody("baselinegroupAAAAAAAAA", Instant.now(), 0).toString();
        AtomicInteger left = new AtomicInteger(warmup + cycles);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] measuredStart = new long[1];
        QueueBenchmark.Cpu[] cpuAtStart = new QueueBenchmark.Cpu[1];
        // a backend's CPU leaves /proc with its connection: the end is read while every connection is still open
        CountDownLatch loopsDone = new CountDownLatch(threads);
        CountDownLatch endRead = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().name("baseline-" + t).start(() -> {
                try (Connection c = DriverManager.getConnection(jdbcUrl);
                     PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE
                             + " (task_id, state, definition, status) VALUES (?, 'pending', ?, ?)");
                     PreparedStatement claim = c.prepareStatement("UPDATE " + TABLE + " SET state = 'running',"
                             + " taken_until = now() + interval '20 minutes', status = ? WHERE id = (SELECT id FROM "
                             + TABLE + " WHERE state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id");
                     PreparedStatement complete = c.prepareStatement("UPDATE " + TABLE
                             + " SET state = 'completed', taken_until = NULL, status = ? WHERE id = ? AND state = 'running'")) {
                    c.setAutoCommit(true);
                    while (left.getAndDecrement() > 0) {
                        String id = Slugid.nice();
                        insert.setString(1, id);
                        insert.setString(2, definition);
                        insert.setString(3, "{\"state\":\"pending\",\"runs\":[{\"runId\":0,\"state\":\"pending\"}]}");
                        insert.executeUpdate();
                        claim.setString(1, "{\"state\":\"running\",\"runs\":[{\"runId\":0,\"state\":\"running\"}]}");
                        long claimed = -1;
                        try (ResultSet rs = claim.executeQuery()) {
                            if (rs.next()) claimed = rs.getLong(1);
                        }
                        if (claimed >= 0) {
                            complete.setString(1, "{\"state\":\"completed\",\"runs\":[{\"runId\":0,\"state\":\"completed\"}]}");
                            complete.setLong(2, claimed);
                            complete.executeUpdate();
                        }
                        int n = done.incrementAndGet();
                        if (n == warmup) {
                            synchronized (measuredStart) {
                                cpuAtStart[0] = QueueBenchmark.Cpu.now(-1, pgDb);
                                measuredStart[0] = System.nanoTime();
                            }
                        }
                    }
                    loopsDone.countDown();
                    endRead.await();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    loopsDone.countDown();
                }
            }));
        }
        loopsDone.await();
        long end = System.nanoTime();
        QueueBenchmark.Cpu cpuEnd = QueueBenchmark.Cpu.now(-1, pgDb);
        endRead.countDown();
        for (Thread t : workers) t.join();
        if (failure.get() != null) throw new IllegalStateException("the PostgreSQL baseline failed", failure.get());
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
        QueueBenchmark.Cpu cpu;
        long start;
        synchronized (measuredStart) {
            cpu = cpuEnd.minus(cpuAtStart[0]);
            start = measuredStart[0];
        }
        return new Result(cycles, (end - start) / 1e9, cpu);
    }

    static String report(Result r, double berthCyclesPerSecond, double berthServerPlusPgMs, int threads) {
        double pgMs = r.cpu().postgresOurs() * 1000 / r.cycles();
        double clientMs = r.cpu().self() * 1000 / r.cycles();
        return String.format(Locale.ROOT, "BASELINE     PostgreSQL alone (JDBC, %d connections; per cycle insert, claim with SKIP LOCKED,"
                        + " complete: 3 commits): %.0f cycles/s, PostgreSQL %.2f CPU-ms/cycle, JDBC client %.2f ms%n"
                        + "RATIO        Berth / PostgreSQL alone: cycles/s %.2f, server+PostgreSQL CPU per cycle %.2f×"
                        + " PostgreSQL's%n",
                threads, r.cyclesPerSecond(), pgMs, clientMs, berthCyclesPerSecond / r.cyclesPerSecond(),
                berthServerPlusPgMs / pgMs);
    }
}
