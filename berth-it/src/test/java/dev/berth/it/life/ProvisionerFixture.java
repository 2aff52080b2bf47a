package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Lease;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.app.provisioner.ProvisionerSettings;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.pools.PoolDefinition;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
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
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the provisioner ITs share: a real server in this JVM that worker containers reach through the Docker
 * bridge's gateway, one pool per test, and Berth's worker image with this build's distribution laid over it
 * (under a tag of the test class's own, removed after it).
 */
abstract class ProvisionerFixture {

    static final String SOCKET = "unix:///var/run/docker.sock";
    static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("..").normalize();
    static String workerImage;

    final String id = LifeSupport.shortId();
    final String poolId = "prov-it/p" + id;
    final List<AutoCloseable> closing = new ArrayList<>();
    final List<String> imagesMade = new ArrayList<>();
    final List<String> taskIds = new ArrayList<>();
    BerthServer server;
    BerthClient root;

    @BeforeAll
    static void workerImage() throws IOException {
        LifeSupport.requireDocker();
        if (LifeSupport.docker("image", "inspect", "berth/worker:latest").exitCode() != 0) {
            ProcessBuilder images = new ProcessBuilder("bash", "scripts/images.sh", "worker").directory(PROJECT.toFile());
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
            if (worker != null && worker.startsWith("w") && taskIds.contains(LifeSupport.label(c, LifeSupport.LABEL_TASK_ID))) {
                LifeSupport.docker("rm", "-f", c);
            }
        }
        for (String image : imagesMade) LifeSupport.docker("rmi", "-f", image);
    }

    void startServer(String databaseUrl, int claimTimeoutSeconds) throws IOException {
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

    ObjectNode config(int min, int max, int idleSeconds) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("dockerHosts").add(SOCKET);
        c.put("image", workerImage).put("pullPolicy", "never");
        c.put("minCapacity", min).put("maxCapacity", max).put("idleTimeout", idleSeconds);
        c.putObject("workerConfig").putObject("limits").put("memory", "256m");
        return c;
    }

    void createPool(ObjectNode config) {
        server.workerPools().create(poolId, new PoolDefinition("docker", "provisioner test " + id, config, "it@example.com", false));
    }

    String createTask(String script) throws IOException {
        String taskId = Slugid.nice();
        root.queue().createTask(taskId, LifeSupport.shellTask(poolId, script, 120));
        taskIds.add(taskId);
        return taskId;
    }

    boolean allCompleted() throws IOException {
        for (String t : taskIds) {
            TaskStatus s = root.queue().taskStatus(t);
            if (s.state() == TaskState.FAILED || s.state() == TaskState.EXCEPTION) {
                throw new AssertionError("task did not complete: " + LifeSupport.describe(s));
            }
            if (s.state() != TaskState.COMPLETED) return false;
        }
        return true;
    }

    Provisioner provisioner(WorkerPoolService pools, ToLongFunction<String> pending, Lease lease, String name) {
        return provisioner(pools, pending, lease, name, s -> s);
    }

    /** A started provisioner with rounds every 200 ms (closed after the test). */
    Provisioner provisioner(WorkerPoolService pools, ToLongFunction<String> pending, Lease lease, String name,
                            UnaryOperator<ProvisionerSettings> tune) {
        ProvisionerSettings settings = tune.apply(ProvisionerSettings.defaults("it-" + id + "-" + name, server.rootUrl())
                .withInterval(Duration.ofMillis(200), Duration.ofSeconds(3)));
        Provisioner p = new Provisioner(pools, pending, root, lease, settings, Clock.systemUTC()).start();
        closing.add(p);
        return p;
    }

    Provisioner provisioner(String name) {
        return provisioner(server.workerPools(), server.queue()::pendingCount, Lease.ALONE, name);
    }
}
