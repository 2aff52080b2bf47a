package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.dockerworker.WorkerScopes;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.caches.DiskCollector;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.VolumeSummary;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection on low disk for real: the worker's data directory (and its cache directory in it)
 * is a 32 MiB tmpfs this test mounts, cache instances keep their data there, and the threshold is 12 MiB.
 * Needs root (the test scripts run as root) to mount the tmpfs.
 */
class WorkerDiskGcIT {

    private static final long MIB = 1 << 20;
    private static final Pattern INSTANCE = Pattern.compile("cache (\\w+): (?:new )?instance (berth-cache-\\S+)");

    @TempDir
    Path tmp;

    private Path data;
    private boolean mounted;
    private BerthServer server;
    private QueueClient queue;
    private Worker worker;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/gc-" + suffix;
    private final String workerId = "w-gc-" + suffix;

    @BeforeEach
    void start() throws Exception {
        docker = DockerTestSupport.runtime();
        data = Files.createDirectories(tmp.resolve("data"));
        run("mount", "-t", "tmpfs", "-o", "size=32m", "berth-gc-it", data.toString());
        mounted = true;
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with a deployed worker's scopes",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", WorkerScopes.of(taskQueueId, "gc", workerId)));
        worker = Worker.builder(WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", "gc",
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", data.toString(),
                "BERTH_WORKER_CACHE_DIR", data.resolve("caches").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "12m"))).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        if (docker != null) {
            docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).forEach(c -> docker.removeContainer(c.id()));
            for (VolumeSummary v : ourVolumes()) docker.removeVolume(v.name());
        }
        DockerTestSupport.removeContainersAndClose(docker, workerId);
        if (mounted) run("umount", data.toString());
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (this test mounts a tmpfs: run it as root): " + out);
        }
    }

    private List<VolumeSummary> ourVolumes() {
        return docker.listVolumes(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId, CacheManager.LABEL_KIND, CacheManager.KIND_CACHE));
    }

    private long free() throws IOException {
        return Files.getFileStore(data).getUsableSpace();
    }

    private String runTask(String cache, String script) throws Exception {
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(120)
                .scopes("docker-worker:cache:" + cache).build();
        ((ObjectNode) body.get("payload")).putObject("cache").put(cache, "/cache");
        queue.createTask(taskId, body);
        await().atMost(Duration.ofSeconds(90)).until(() -> "completed".equals(
                queue.status(taskId).path("status").path("runs").get(0).path("state").asText()));
        await().atMost(Duration.ofSeconds(30)).until(() -> docker.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, taskId)).isEmpty());
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            Matcher m = INSTANCE.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertThat(m.find()).isTrue();
            return m.group(2);
        }
    }

    @Test
    void lowDiskRemovesTheLeastRecentlyUsedFreeInstanceFirstAndClaimingResumes() throws Exception {
        try (LogCapture gcLog = new LogCapture(DiskCollector.class)) {
            String a = runTask("a", "dd if=/dev/zero of=/cache/fill bs=1048576 count=10");
            assertThat(free()).as("after a").isGreaterThan(12 * MIB);
            // 32 - 10 - 12 MiB leaves less than the 12 MiB threshold: the claim loop collects before claiming again
            String b = runTask("b", "dd if=/dev/zero of=/cache/fill bs=1048576 count=12");
            String c = runTask("c", "echo ran");
            gcLog.at(Level.INFO, "garbage collection removed").forEach(line -> System.out.println("WorkerDiskGcIT: " + line));

            assertThat(ourVolumes()).extracting(VolumeSummary::name).doesNotContain(a).contains(b, c);
            assertThat(Files.exists(data.resolve("caches").resolve(a))).isFalse();
            assertThat(free()).isGreaterThanOrEqualTo(12 * MIB);
            assertThat(gcLog.at(Level.INFO, "removed cache instance " + a)).hasSize(1);
            assertThat(gcLog.at(Level.INFO, "removed cache instance " + b)).isEmpty();
            assertThat(gcLog.at(Level.INFO, "garbage collection removed 1 item(s)")).hasSize(1);
        }
    }
}
