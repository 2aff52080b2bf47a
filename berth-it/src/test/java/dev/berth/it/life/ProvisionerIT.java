package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Lease;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.core.task.TaskStatus;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.queue.QueueService;
import dev.berth.core.task.TaskState;
import dev.berth.it.ItSupport;
import dev.berth.store.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The provisioner on the real engine with a real server: pool workers are containers of Berth's worker image
 * (this build's distribution laid over berth/worker) that reach the server through the Docker bridge's gateway.
 */
class ProvisionerIT extends ProvisionerFixture {

    @Test
    void nineTasksOnAnEmptyPoolStartThreeWorkersFromAnImageBuiltOnceAndNothingIsLeftAfterTheIdleTimeout() throws Exception {
        startServer(null, 1200);
        String dockerfile = "FROM " + workerImage + "\nLABEL dev.berth.test.pool=" + id + "\n";
        ObjectNode config = config(0, 3, 3);
        config.remove("image");
        config.put("dockerfile", dockerfile);
        createPool(config);
        imagesMade.add(server.workerPools().dockerConfig(server.workerPools().pool(poolId)).imageName());
        for (int i = 0; i < 9; i++) createTask("sleep 1; echo task " + i); // all 9 wait at the first round: 3 start at once
        Provisioner p = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "one");

        AtomicInteger most = new AtomicInteger();
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(300)).until(() -> {
            PoolCounts c = server.workerPools().counts(poolId);
            most.accumulateAndGet(c.currentCapacity() + c.stoppingCapacity(), Math::max);
            assertThat(LifeSupport.containers(Provisioner.LABEL_POOL, poolId).size()).isLessThanOrEqualTo(3);
            return allCompleted();
        });
        assertThat(most.get()).as("workers at once").isEqualTo(3);
        assertThat(p.imagesBuilt()).as("the dockerfile is built once on the host").isEqualTo(1);
        // idle 3s, then each worker exits, its container is removed and it is stopped
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() ->
                LifeSupport.containers(Provisioner.LABEL_POOL, poolId).isEmpty()
                        && server.workerPools().counts(poolId).currentCapacity() == 0);
        PoolCounts end = server.workerPools().counts(poolId);
        assertThat(end.stoppingCount()).isZero();
        assertThat(end.stoppedCount()).isEqualTo(p.containersStarted());
        assertThat(server.workerPools().lastErrors(poolId, 5)).isEmpty();
        assertThat(p.imagesBuilt()).isEqualTo(1);
    }

    @Test
    void aWorkerKilledWithSigkillIsReplacedAndItsTaskRetried() throws Exception {
        startServer(null, 15); // short, so the killed worker's claim expires soon; long enough for a loaded machine
        ObjectNode config = config(0, 1, 30);
        config.put("followStartupLogs", true);
        createPool(config);
        String taskId = createTask("sleep 5; echo survived"); // killed within a second of running
        Provisioner p = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "one");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> root.queue().taskStatus(taskId).state() == TaskState.RUNNING);
        List<String> first = LifeSupport.containers(Provisioner.LABEL_POOL, poolId);
        assertThat(first).hasSize(1);
        assertThat(LifeSupport.docker("kill", "-s", "KILL", first.get(0)).exitCode()).isZero();

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus s = root.queue().taskStatus(taskId);
        assertThat(s.state()).as(LifeSupport.describe(s)).isEqualTo(TaskState.COMPLETED);
        assertThat(LifeSupport.describe(s)).contains("run 0 exception/claim-expired");
        assertThat(p.containersStarted()).as("a second worker replaced the killed one").isGreaterThanOrEqualTo(2);
        assertThat(LifeSupport.containers(Provisioner.LABEL_POOL, poolId)).doesNotContain(first.get(0));
    }

    @Test
    void aPoolWhoseWorkerCannotStartReportsItsLastLogLinesAndBacksOff() throws Exception {
        startServer(null, 1200);
        ObjectNode config = config(1, 1, 30);
        config.put("image", LifeSupport.IMAGE);
        config.putArray("command").add("sh").add("-c").add("echo the worker cannot start: boom-" + id + "; exit 3");
        createPool(config);
        Provisioner p = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "one",
                s -> s.withBackoff(Duration.ofMillis(500), Duration.ofSeconds(2)));

        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(300))
                .until(() -> !server.workerPools().lastErrors(poolId, 5).isEmpty());
        WorkerPoolError e = server.workerPools().lastErrors(poolId, 1).get(0);
        assertThat(e.kind()).isEqualTo("worker-exited");
        assertThat(e.description()).contains("boom-" + id).contains("exit");
        int startedAtFirstError = p.containersStarted();
        Thread.sleep(4000); // rounds every 200 ms: without a backoff some 20 more starts
        int more = p.containersStarted() - startedAtFirstError;
        assertThat(more).as("starts in 4 s after the first failure (pauses 0.5, 1, 2, 2 s)").isBetween(1, 4);
        assertThat(server.workerPools().lastErrors(poolId, 10)).hasSizeGreaterThan(1).hasSizeLessThanOrEqualTo(5);
    }

    @Test
    void aRestartedProvisionerFindsItsWorkersByLabelAndStartsNoDuplicates() throws Exception {
        startServer(null, 1200);
        createPool(config(2, 3, 120));
        Provisioner first = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "one");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> server.workerPools().counts(poolId).runningCount() == 2);
        List<String> before = LifeSupport.containers(Provisioner.LABEL_POOL, poolId);
        first.close();

        Provisioner second = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "two");
        for (int i = 0; i < 10; i++) second.round();
        assertThat(second.containersStarted()).isZero();
        assertThat(LifeSupport.containers(Provisioner.LABEL_POOL, poolId)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(server.workerPools().counts(poolId).runningCount()).isEqualTo(2);
        // and the work it finds waiting goes to those warm workers
        String taskId = createTask("echo warm");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus s = root.queue().taskStatus(taskId);
        assertThat(s.state()).as(LifeSupport.describe(s)).isEqualTo(TaskState.COMPLETED);
    }

    @Test
    void twoProvisionersOnOnePostgresqlNeverExceedMaxCapacityAndOneTakesOverFromTheOther() throws Exception {
        ItSupport.PostgresDatabase db = ItSupport.PostgresDatabase.create();
        closing.add(db);
        startServer(db.url(), 1200);
        createPool(config(0, 2, 3));
        Storage s1 = Storage.open(db.url(), null, null);
        closing.add(s1);
        Storage s2 = Storage.open(db.url(), null, null);
        closing.add(s2);
        Provisioner a = provisioner(new WorkerPoolService(s1.workerPools(), Clock.systemUTC()),
                new QueueService(s1.tasks(), Clock.systemUTC(), Duration.ofMinutes(20))::pendingCount,
                new Lease.Jdbc(s1.dataSource(), "provisioner", "a", Clock.systemUTC()), "a");
        Provisioner b = provisioner(new WorkerPoolService(s2.workerPools(), Clock.systemUTC()),
                new QueueService(s2.tasks(), Clock.systemUTC(), Duration.ofMinutes(20))::pendingCount,
                new Lease.Jdbc(s2.dataSource(), "provisioner", "b", Clock.systemUTC()), "b");
        for (int i = 0; i < 6; i++) createTask("sleep 2; echo " + i);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(a.isLeader() && b.isLeader()).as("two leaders").isFalse();
            assertThat(LifeSupport.containers(Provisioner.LABEL_POOL, poolId).size()).isLessThanOrEqualTo(2);
            assertThat(server.workerPools().counts(poolId).currentCapacity()).isLessThanOrEqualTo(2);
            return allCompleted();
        });
        Provisioner leader = a.isLeader() ? a : b;
        Provisioner other = leader == a ? b : a;
        leader.close();
        await().atMost(Duration.ofSeconds(30)).until(other::isLeader);
        // the workers the old leader started exit when idle; the new leader removes them, then starts its own
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(300)).until(() ->
                LifeSupport.containers(Provisioner.LABEL_POOL, poolId).isEmpty()
                        && server.workerPools().counts(poolId).currentCapacity() == 0);
        for (int i = 0; i < 4; i++) createTask("echo after " + i);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(LifeSupport.containers(Provisioner.LABEL_POOL, poolId).size()).isLessThanOrEqualTo(2);
            return allCompleted();
        });
        assertThat(other.containersStarted()).as("the new leader started workers").isPositive();
    }

    @Test
    void theBerthProvisionerCommandOnPostgresqlKeepsMinCapacityWarmAndItsWorkerRunsATask() throws Exception {
        ItSupport.PostgresDatabase db = ItSupport.PostgresDatabase.create();
        closing.add(db);
        startServer(db.url(), 1200);
        createPool(config(1, 1, 120));
        Path dir = Files.createTempDirectory("berth-prov-cli");
        Path log = dir.resolve("provisioner.log");
        Process process = LifeSupport.berth(dir, Map.of("BERTH_DATABASE_URL", db.url(), "TASKCLUSTER_ROOT_URL", server.rootUrl(),
                        "TASKCLUSTER_CLIENT_ID", server.rootClientId(), "TASKCLUSTER_ACCESS_TOKEN", server.rootAccessToken()),
                "provisioner", "--interval", "0.5", "--name", "cli-" + id)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        closing.add(() -> {
            process.destroy(); // SIGTERM: it gives its lease up; its workers keep running (removed by cleanUp)
            process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        });
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).failFast(() -> !process.isAlive())
                .until(() -> server.workerPools().counts(poolId).runningCount() == 1);
        String taskId = createTask("echo from the provisioned worker");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus st = root.queue().taskStatus(taskId);
        assertThat(st.state()).as(LifeSupport.describe(st) + "\n" + Files.readString(log)).isEqualTo(TaskState.COMPLETED);
        assertThat(LifeSupport.describe(st)).contains("on w");
        assertThat(Files.readString(log)).contains("Berth provisioner cli-" + id);
    }
}
