package dev.berth.worker.features.dockersave;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.auth.Slugid;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.Worker;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dockerSave on the real engine, with a worker holding exactly a deployed worker's scopes against a real server:
 * the task's container, committed and saved, comes back as {@code public/dockerImage.tar} that {@code docker load}
 * takes and that runs with the task's file in it; the zstd copy holds the same bytes; the cache comes as a tar.
 */
class DockerSaveIT {

    @TempDir
    Path tmp;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/dockersave-" + suffix;
    private final String workerId = "w-dockersave-" + suffix;
    private final String cache = "dockersave-" + suffix;
    private final List<String> loaded = new ArrayList<>();
    private BerthServer server;
    private QueueClient queue;
    private Worker worker;
    private DockerContainerRuntime docker;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        worker = dev.berth.worker.DeployedWorker.start(root, server.rootUrl(), taskQueueId, "dockersave", workerId, 1,
                tmp.resolve("worker"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (worker != null) worker.close();
            if (server != null) server.close();
        } finally {
            for (String image : loaded) docker("rmi", image);
            if (docker != null) {
                docker.listVolumes(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId, CacheManager.LABEL_KIND, CacheManager.KIND_CACHE))
                        .forEach(v -> docker.removeVolume(v.name()));
            }
            DockerTestSupport.removeContainersAndClose(docker, workerId);
        }
    }

    private String createTask(String script, String... scopes) {
        String taskId = Slugid.nice();
        ObjectNode body = TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(120).scopes(scopes).build();
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.putObject("features").put("dockerSave", true);
        payload.putObject("cache").put(cache, "/cache");
        queue.createTask(taskId, body);
        return taskId;
    }

    private String awaitResolved(String taskId) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            String state = queue.status(taskId).path("status").path("state").asText();
            return !state.equals("pending") && !state.equals("running");
        });
        JsonNode run = queue.status(taskId).path("status").path("runs").get(0);
        return run.path("state").asText() + (run.path("state").asText().equals("exception") ? "/" + run.path("reasonResolved").asText() : "");
    }

    private String log(String taskId) throws Exception {
        return new String(download(taskId, "public/logs/live.log"), StandardCharsets.UTF_8);
    }

    private byte[] download(String taskId, String name) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, name)) {
            return in.readAllBytes();
        }
    }

    /** The docker CLI, as a user would type it; its combined output. */
    private static String docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + ": " + out;
    }

    @Test
    void theSavedContainerLoadsWithDockerLoadAndRunsWithTheTasksFileAndTheCacheComesAsATar() throws Exception {
        String taskId = createTask("echo saved-by-$TASK_ID > /saved-file; echo in-the-cache > /cache/kept; exit 3",
                DockerSaveFeature.SCOPE, "docker-worker:cache:" + cache);

        // a failed task is saved too: that is when one wants to look inside
        assertThat(awaitResolved(taskId)).as(log(taskId)).isEqualTo("failed");
        String image = DockerSaveFeature.repository(taskId, 0) + ":latest";
        assertThat(image).isEqualTo(image.toLowerCase(java.util.Locale.ROOT)).startsWith("task-");
        assertThat(log(taskId)).contains("dockerSave: committing the container as " + image);
        assertThat(docker.imageExists(image)).as("the committed image is removed from the worker's engine").isFalse();

        Path tar = tmp.resolve("dockerImage.tar");
        Files.write(tar, download(taskId, DockerSaveFeature.IMAGE_ARTIFACT));
        byte[] unpacked;
        try (InputStream zst = new ZstdInputStream(new java.io.ByteArrayInputStream(download(taskId, DockerSaveFeature.COMPRESSED_IMAGE_ARTIFACT)))) {
            unpacked = zst.readAllBytes();
        }
        assertThat(sha256(unpacked)).as("the zstd artifact is the same tarball").isEqualTo(sha256(Files.readAllBytes(tar)));

        loaded.add(image);
        assertThat(docker("load", "-i", tar.toString())).startsWith("exit 0").contains(image);
        assertThat(docker("run", "--rm", image, "cat", "/saved-file")).isEqualTo("exit 0: saved-by-" + taskId + "\n");

        List<String> cached = new ArrayList<>();
        try (TarArchiveInputStream entries = new TarArchiveInputStream(new java.io.ByteArrayInputStream(
                download(taskId, "public/cache/" + cache + ".tar")))) {
            for (TarArchiveEntry e; (e = entries.getNextEntry()) != null; ) {
                if (e.getName().equals("cache/kept")) cached.add(new String(entries.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(cached).containsExactly("in-the-cache\n");
    }

    @Test
    void withoutTheFeaturesScopeTheRunIsMalformedPayloadNamingIt() throws Exception {
        String taskId = createTask("true", "docker-worker:cache:" + cache);

        assertThat(awaitResolved(taskId)).isEqualTo("exception/malformed-payload");
        assertThat(log(taskId)).contains("missing scope " + DockerSaveFeature.SCOPE);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
