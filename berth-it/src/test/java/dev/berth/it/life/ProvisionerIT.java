package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Lease;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.app.provisioner.ProvisionerSettings;
import dev.berth.client.BerthClient;
import dev.berth.core.task.TaskStatus;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolDefinition;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.queue.QueueService;
import dev.berth.core.task.TaskState;
import dev.berth.it.ItSupport;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.store.Storage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provisioner on the real engine with a real server: pool workers are containers of Berth's worker image
 * (this build's distribution laid over berth/worker) that reach the server through the Docker bridge's gateway.
 */
class ProvisionerIT {

    private static final String SOCKET = "unix:///var/run/docker.sock";
    private static String workerImage;

    private final String id = LifeSupport.shortId();
    private final String poolId = "prov-it/p" + id;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<String> imagesMade = new ArrayList<>();
    private BerthServer server;
    private BerthClient root;

    @BeforeAll
    static void workerImage() throws IOException {
        LifeSupport.requireDocker();
        if (LifeSupport.docker("image", "inspect", "berth/worker:latest").exitCode() != 0) {
            ProcessBuilder images = new ProcessBuilder("bash", "scripts/images.sh", "worker")
                    .directory(Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("..").normalize().toFile());
            images.environment().put("BERTH_DIST_FRESH", "1");
            assertThat(LifeSupport.run(images, Duration.ofMinutes(10)).exitCode()).as("scripts/images.sh worker").isZero();
        }
        // this build's worker (its idle exit) in Berth's worker image, under a tag of this test's own
        Path jar = LifeSupport.appJar();
        Path ctx = Files.createTempDirectory("berth-prov-it");
        Files.copy(jar, ctx.resolve("berth.jar"));
        LifeSupport.run(new ProcessBuilder("cp", "-r", jar.resolveSibling("lib").toString(), ctx.resolve("lib").toString()),
                Duration.ofMinutes(1));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM berth/worker:latest\nCOPY berth.jar /opt/berth/berth.jar\n"
                + "COPY lib /opt/berth/lib\n");
        workerImage = "berth-test/pool-worker:" + LifeSupport.shortId();
        LifeSupport.Result built = LifeSupport.docker("build", "-q", "-t", workerImage, ctx.toString());
        assertThat(built.exitCode()).as("docker build %s: %s", workerImage, built).isZero();
        LifeSupport.run(new ProcessBuilder("rm", "-rf", ctx.toString()), Duration.ofMinutes(1));
    }

    @AfterAll
    static void removeWorkerImage() {
        if (workerImage != null) LifeSupport.docker("rmi", "-f", workerImage);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
        LifeSupport.removeContainers(Provisioner.LABEL_POOL, poolId);
        LifeSupport.removeContainers(Provisioner.LABEL_POOL, poolId + "w");
        // task containers a killed worker left behind
        for (String c : LifeSupport.docker("ps", "-aq", "--filter", "label=" + LifeSupport.LABEL_WORKER_ID).out().lines().toList()) {
            String worker = LifeSupport.label(c, LifeSupport.LABEL_WORKER_ID);
            if (worker != null && worker.startsWith("w") && LifeSupport.label(c, LifeSupport.LABEL_TASK_ID) != null
                    && ownTask(c)) {
                LifeSupport.docker("rm", "-f", c);
            }
        }
        for (String image : imagesMade) LifeSupport.docker("rmi", "-f", image);
    }

    private boolean ownTask(String container) {
        String taskId = LifeSupport.label(container, LifeSupport.LABEL_TASK_ID);
        return taskIds.contains(taskId);
    }

    private final List<String> taskIds = new ArrayList<>();

    @Test
    void nineTasksOnAnEmptyPoolStartThreeWorkersFromAnImageBuiltOnceAndNothingIsLeftAfterTheIdleTimeout() throws Exception {
        startServer(null, 1200);
        String dockerfile = "FROM " + workerImage + "\nLABEL dev.berth.test.pool=" + id + "\n";
        ObjectNode config = config(0, 3, 3);
        config.remove("image");
        config.put("dockerfile", dockerfile);
        createPool(config);
        imagesMade.add(server.workerPools().dockerConfig(server.workerPools().pool(poolId)).imageName());
        for (int i = 0; i < 9; i++) createTask("sleep 3; echo task " + i);
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
        String taskId = createTask("sleep 10; echo survived");
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
                s -> s.withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)));

        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(300))
                .until(() -> !server.workerPools().lastErrors(poolId, 5).isEmpty());
        WorkerPoolError e = server.workerPools().lastErrors(poolId, 1).get(0);
        assertThat(e.kind()).isEqualTo("worker-exited");
        assertThat(e.description()).contains("boom-" + id).contains("exit");
        int startedAtFirstError = p.containersStarted();
        Thread.sleep(8000); // rounds every 200 ms: without a backoff some 40 more starts
        int more = p.containersStarted() - startedAtFirstError;
        assertThat(more).as("starts in 8 s after the first failure (pauses 1, 2, 4, 4 s)").isBetween(1, 4);
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

    /**
     * Item 8's figures (docs/benchmarks.md), not a check: run with BERTH_BENCH=1. Cold: a task on a pool with no
     * worker (idleTimeout 0, so each task finds none) until its run starts (claimed); warm: the same with an idle
     * worker waiting; CPU: the provisioner's own thread over rounds of 100 idle pools.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable(named = "BERTH_BENCH", matches = "1")
    void benchmarkColdAndWarmStartAndIdleRounds() throws Exception {
        startServer(null, 1200);
        ObjectNode cold = config(0, 1, 0);
        createPool(cold);
        Provisioner p = provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, "bench",
                s -> s.withInterval(Duration.ofSeconds(1), Duration.ofSeconds(10)));
        List<Long> coldMs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            await().atMost(Duration.ofMinutes(1)).until(() -> LifeSupport.containers(Provisioner.LABEL_POOL, poolId).isEmpty());
            coldMs.add(startLatency(createTask("true")));
        }
        String warmPool = poolId + "w";
        ObjectNode warm = config(1, 1, 600);
        server.workerPools().create(warmPool, new PoolDefinition("docker", "warm " + id, warm, "it@example.com", false));
        await().atMost(Duration.ofMinutes(2)).until(() -> server.workerPools().counts(warmPool).runningCount() == 1);
        Thread.sleep(8000); // the worker's JVM is up and long-polling
        List<Long> warmMs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String taskId = Slugid.nice();
            root.queue().createTask(taskId, LifeSupport.shellTask(warmPool, "true", 60));
            taskIds.add(taskId);
            warmMs.add(startLatency(taskId));
        }
        p.close();
        server.workerPools().delete(warmPool); // the idle rounds below must not start it again
        LifeSupport.removeContainers(Provisioner.LABEL_POOL, warmPool);

        for (int i = 0; i < 100; i++) {
            server.workerPools().create("bench-" + id + "/idle" + i, new PoolDefinition("docker", "idle", config(0, 2, 60), "it@example.com", false));
        }
        Provisioner idle = new Provisioner(server.workerPools(), server.queue()::pendingCount, root, Lease.ALONE,
                ProvisionerSettings.defaults("bench-idle-" + id, server.rootUrl()), Clock.systemUTC());
        closing.add(idle);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 5; i++) idle.round(); // warm-up
        int rounds = 40;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) idle.round();
        double cpuMsPerRound = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6 / rounds;
        double wallMsPerRound = (System.nanoTime() - wall0) / 1e6 / rounds;
        System.out.printf("BENCH provisioner: cold task->run start ms %s; warm %s; 101 pools idle: %.1f CPU-ms/round on its thread,"
                + " %.1f ms/round wall (at the default 5 s interval: %.2f%% of one core)%n", coldMs, warmMs, cpuMsPerRound, wallMsPerRound,
                cpuMsPerRound / 5000 * 100);
    }

    private long startLatency(String taskId) throws IOException {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> root.queue().taskStatus(taskId).runs().stream().anyMatch(r -> r.started() != null));
        var run = root.queue().taskStatus(taskId).runs().get(0);
        await().atMost(Duration.ofMinutes(1)).until(() -> root.queue().taskStatus(taskId).state().isResolved());
        return Duration.between(run.scheduled(), run.started()).toMillis();
    }

    // ------------------------------------------------------------------------------------------------------

    private void startServer(String databaseUrl, int claimTimeoutSeconds) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String gateway = LifeSupport.docker("network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}").out().trim();
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_PORT", String.valueOf(port));
        env.put("BERTH_DATA_DIR", Files.createTempDirectory("berth-prov-it").toString());
        env.put("BERTH_BIND_HOST", "0.0.0.0"); // worker containers come through the bridge
        env.put("BERTH_ROOT_URL", "http://" + gateway + ":" + port);
        env.put("BERTH_CLAIM_TIMEOUT", String.valueOf(claimTimeoutSeconds));
        env.put("BERTH_LOG_FILE", "none");
        if (databaseUrl != null) env.put("BERTH_DATABASE_URL", databaseUrl);
        server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
        closing.add(server::close);
        root = LifeSupport.rootClient(server);
    }

    private ObjectNode config(int min, int max, int idleSeconds) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("dockerHosts").add(SOCKET);
        c.put("image", workerImage).put("pullPolicy", "never");
        c.put("minCapacity", min).put("maxCapacity", max).put("idleTimeout", idleSeconds);
        c.putObject("workerConfig").putObject("limits").put("memory", "256m");
        return c;
    }

    private void createPool(ObjectNode config) {
        server.workerPools().create(poolId, new PoolDefinition("docker", "provisioner test " + id, config, "it@example.com", false));
    }

    private String createTask(String script) throws IOException {
        String taskId = Slugid.nice();
        root.queue().createTask(taskId, LifeSupport.shellTask(poolId, script, 120));
        taskIds.add(taskId);
        return taskId;
    }

    private boolean allCompleted() throws IOException {
        for (String t : taskIds) {
            TaskStatus s = root.queue().taskStatus(t);
            if (s.state() == TaskState.FAILED || s.state() == TaskState.EXCEPTION) {
                throw new AssertionError("task did not complete: " + LifeSupport.describe(s));
            }
            if (s.state() != TaskState.COMPLETED) return false;
        }
        return true;
    }

    private Provisioner provisioner(WorkerPoolService pools, java.util.function.ToLongFunction<String> pending, Lease lease, String name) {
        return provisioner(pools, pending, lease, name, s -> s);
    }

    private Provisioner provisioner(WorkerPoolService pools, java.util.function.ToLongFunction<String> pending, Lease lease, String name,
                                    java.util.function.UnaryOperator<ProvisionerSettings> tune) {
        ProvisionerSettings settings = tune.apply(ProvisionerSettings.defaults("it-" + id + "-" + name, server.rootUrl())
                .withInterval(Duration.ofMillis(200), Duration.ofSeconds(3)));
        Provisioner p = new Provisioner(pools, pending, root, lease, settings, Clock.systemUTC()).start();
        closing.add(p);
        return p;
    }
}
