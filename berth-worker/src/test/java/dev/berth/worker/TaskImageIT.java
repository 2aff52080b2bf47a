package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerClients;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task images on the real engine, with a worker holding exactly a deployed worker's scopes against a real
 * server: an image saved with {@code docker save}, zstd-compressed and left as an artifact of another task, runs
 * by task id and by index namespace, is loaded once, and a missing, unreadable or not-an-image artifact is the
 * task's mistake (malformed-payload) named in its log.
 */
class TaskImageIT {

    @TempDir
    Path tmp;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/images-" + suffix;
    private final String workerId = "w-images-" + suffix;
    private final String imageTag = "berth-test/task-image-" + suffix + ":1";
    private BerthServer server;
    private QueueClient queue;
    private BerthClient root;
    private Worker worker;
    private DockerContainerRuntime docker;
    private String loadedImage;

    @BeforeEach
    void start() throws Exception {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        worker = dev.berth.worker.DeployedWorker.start(root, server.rootUrl(), taskQueueId, "images", workerId, 2,
                tmp.resolve("worker"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (worker != null) worker.close();
            if (server != null) server.close();
        } finally {
            DockerTestSupport.removeContainersAndClose(docker, workerId);
            try (DockerClient client = DockerClients.open(DockerRuntimeConfig.localDefault())) {
                for (String image : new String[] {imageTag, loadedImage}) {
                    if (image == null) continue;
                    try {
                        client.removeImageCmd(image).withForce(true).exec();
                    } catch (RuntimeException gone) {
                        // not there (any more)
                    }
                }
            }
        }
    }

    /** Builds a small image, saves it with docker save (zstd), removes it from the engine, and returns the tarball. */
    private byte[] savedImage() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("task-image-" + suffix));
        Files.writeString(folder.resolve("Dockerfile"), "FROM " + TEST_IMAGE + "\nRUN echo from-the-task-image-" + suffix + " > /marker\n");
        loadedImage = docker.buildImage(folder, imageTag, line -> {});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DockerClient client = DockerClients.open(DockerRuntimeConfig.localDefault());
             InputStream saved = client.saveImageCmd(imageTag).exec();
             ZstdOutputStream zstd = new ZstdOutputStream(out)) {
            saved.transferTo(zstd);
        }
        try (DockerClient client = DockerClients.open(DockerRuntimeConfig.localDefault())) {
            client.removeImageCmd(imageTag).withForce(true).exec();
        }
        assertThat(docker.imageExists(loadedImage)).as("the image is gone from the engine before the test").isFalse();
        return out.toByteArray();
    }

    /** A completed task of a queue nobody serves, holding the given artifacts (name → bytes). */
    private String builderTask(Map<String, byte[]> artifacts) {
        String builderQueue = "berth-it/builder-" + suffix;
        String taskId = Slugid.nice();
        queue.createTask(taskId, TaskBodies.on(builderQueue).build());
        JsonNode claim = queue.claimWork(builderQueue, "builders", "b1", 1).path("tasks").get(0);
        JsonNode creds = claim.path("credentials");
        QueueClient asRun = root.withCredentials(new Credentials(creds.path("clientId").asText(), creds.path("accessToken").asText(),
                creds.path("certificate").isNull() ? null : creds.path("certificate").asText(null))).queue();
        String expires = Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS));
        artifacts.forEach((name, bytes) -> {
            JsonNode a = asRun.createArtifact(taskId, 0, name, Map.of("storageType", "s3", "contentType", "application/x-tar", "expires", expires));
            root.upload(URI.create(a.path("putUrl").asText()), new ByteArrayInputStream(bytes), bytes.length, "application/x-tar");
        });
        asRun.reportCompleted(taskId, 0);
        return taskId;
    }

    private String runTask(ObjectNode image, String script, String... scopes) {
        String taskId = Slugid.nice();
        ObjectNode body = TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(120).scopes(scopes).build();
        ((ObjectNode) body.get("payload")).set("image", image);
        queue.createTask(taskId, body);
        return taskId;
    }

    private static ObjectNode taskImage(String taskId, String path) {
        return Json.MAPPER.createObjectNode().put("type", "task-image").put("taskId", taskId).put("path", path);
    }

    private String awaitResolved(String taskId) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            String state = queue.status(taskId).path("status").path("state").asText();
            return !state.equals("pending") && !state.equals("running");
        });
        JsonNode run = queue.status(taskId).path("status").path("runs").get(0);
        return run.path("state").asText() + (run.hasNonNull("reasonResolved") && !run.path("state").asText().equals("completed")
                ? "/" + run.path("reasonResolved").asText() : "");
    }

    private String log(String taskId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aSavedImageRunsByTaskIdAndByIndexIsLoadedOnceAndBadArtifactsAreTheTasksMistake() throws Exception {
        byte[] image = savedImage();
        String builder = builderTask(Map.of("public/image.tar.zst", image, "private/image.tar.zst", image,
                "public/not-an-image.tar", "plain text, no image\n".repeat(100).getBytes(StandardCharsets.UTF_8)));

        String first = runTask(taskImage(builder, "public/image.tar.zst"), "cat /marker");
        assertThat(awaitResolved(first)).as(log(first)).isEqualTo("completed");
        assertThat(log(first)).contains("task-image: loading public/image.tar.zst of task " + builder)
                .contains("from-the-task-image-" + suffix);

        root.index().insertTask("berth-test." + suffix + ".image", Map.of("taskId", builder, "rank", 0, "data", Map.of(),
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS))));
        String byIndex = runTask(Json.MAPPER.createObjectNode().put("type", "indexed-image")
                .put("namespace", "berth-test." + suffix + ".image").put("path", "public/image.tar.zst"), "cat /marker");
        assertThat(awaitResolved(byIndex)).as(log(byIndex)).isEqualTo("completed");
        assertThat(log(byIndex)).contains("is task " + builder).contains("is loaded already")
                .contains("from-the-task-image-" + suffix).doesNotContain("task-image: loading");

        // a private artifact is read with the task's own scopes
        String denied = runTask(taskImage(builder, "private/image.tar.zst"), "true");
        assertThat(awaitResolved(denied)).isEqualTo("exception/malformed-payload");
        assertThat(log(denied)).contains("may not read private/image.tar.zst");
        String allowed = runTask(taskImage(builder, "private/image.tar.zst"), "cat /marker", "queue:get-artifact:private/image.tar.zst");
        assertThat(awaitResolved(allowed)).as(log(allowed)).isEqualTo("completed");

        String missing = runTask(taskImage(builder, "public/nothing.tar"), "true");
        assertThat(awaitResolved(missing)).isEqualTo("exception/malformed-payload");
        assertThat(log(missing)).contains("has no artifact public/nothing.tar");
        String notAnImage = runTask(taskImage(builder, "public/not-an-image.tar"), "true");
        assertThat(awaitResolved(notAnImage)).isEqualTo("exception/malformed-payload");
        assertThat(log(notAnImage)).contains("not-an-image.tar");
        await("every run's container removed").atMost(Duration.ofSeconds(30))
                .until(() -> docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).isEmpty());
    }
}
