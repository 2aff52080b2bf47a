package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.testing.MutableClock;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pool's worker exits by itself when idle (BERTH_WORKER_IDLE_TIMEOUT), so its container goes. */
class WorkerIdleExitTest {

    private static final String PAYLOAD = "{\"image\":\"busybox\",\"command\":[\"sleep\",\"600\"],\"maxRunTime\":600}";

    @TempDir
    Path dataDir;

    private final FakeWorkQueue queue = new FakeWorkQueue();
    private final HeldContainerRuntime runtime = new HeldContainerRuntime();
    private final AtomicInteger idleCalls = new AtomicInteger();
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) worker.shutdown(Duration.ofSeconds(5));
    }

    private void start(Duration idle, java.time.Clock clock) {
        WorkerConfig config = new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "test-group", "w1", 1,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 1L << 30, null, null);
        worker = Worker.builder(config).queue(queue).runtime(runtime).timing(WorkerTest.FAST).freeDisk(() -> Long.MAX_VALUE)
                .clock(clock).idleExit(idle, idleCalls::incrementAndGet).start();
    }

    private ClaimedRun enqueue() {
        ClaimedRun run = Fixtures.run(PAYLOAD);
        queue.pending.add(run);
        return run;
    }

    @Test
    void withAZeroIdleTimeoutTheWorkerRunsOneTaskThenStopsClaimingAndSaysItIsIdle() throws Exception {
        ClaimedRun first = enqueue();
        start(Duration.ZERO, java.time.Clock.systemUTC());
        await().until(() -> runtime.created.size() == 1);
        ClaimedRun second = enqueue();
        Thread.sleep(600); // several claim rounds: the second task must stay pending
        assertThat(queue.pending).containsExactly(second);
        assertThat(idleCalls.get()).isZero();

        runtime.exit(first.taskId(), 0);
        await().until(() -> idleCalls.get() == 1);
        assertThat(queue.reporter(first.taskId()).resolutions).containsExactly("completed");
        assertThat(queue.pending).containsExactly(second);
        Thread.sleep(300);
        assertThat(idleCalls.get()).as("said once").isEqualTo(1);
    }

    @Test
    void theWorkerSaysItIsIdleOnlyOnceNothingHasRunForTheIdleTimeout() throws Exception {
        MutableClock clock = new MutableClock();
        start(Duration.ofSeconds(60), clock);
        ClaimedRun run = enqueue();
        await().until(() -> runtime.created.size() == 1);
        clock.advance(Duration.ofSeconds(120)); // busy: a long run is not idleness
        Thread.sleep(400);
        assertThat(idleCalls.get()).isZero();

        runtime.exit(run.taskId(), 0);
        await().until(() -> worker.runningCount() == 0);
        clock.advance(Duration.ofSeconds(59));
        Thread.sleep(600);
        assertThat(idleCalls.get()).isZero();
        clock.advance(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(3)).until(() -> idleCalls.get() == 1);
    }
}
