package dev.berth.worker.images;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.Worker;
import dev.berth.worker.runtime.docker.DockerClients;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import dev.berth.worker.scopes.ScopeCheck;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image-build tasks that do not end well, on the real engine with a worker holding a deployed worker's scopes:
 * a Dockerfile that fails makes the run failed with the build's own error in the task log, and a build longer than
 * the payload's maxRunTime is stopped on the engine and fails saying so; neither uploads an image.
 */
class ImageBuildIT {

    @TempDir
    Path tmp;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/builds-" + suffix;
    private final String workerId = "w-builds-" + suffix;
    private BerthServer server;
    private BerthClient root;
    private QueueClient queue;
    private Worker worker;
    private DockerContainerRuntime docker;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        worker = dev.berth.worker.DeployedWorker.start(root, server.rootUrl(), taskQueueId, "builds", workerId, 1,
                tmp.resolve("worker"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (worker != null) worker.close();
            if (server != null) server.close();
        } finally {
            DockerTestSupport.removeContainersAndClose(docker, workerId);
        }
    }

    /** An image-build task of a folder holding {@code dockerfile}, sent as an object the way `berth image build` does. */
    private String buildTask(String name, String dockerfile, int maxRunTime) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve(name));
        Files.writeString(folder.resolve("Dockerfile"), dockerfile);
        ByteArrayOutputStream archive = new ByteArrayOutputStream();
        ContextArchive.write(folder, archive);
        String context = "berth-it/contexts/" + suffix + "/" + name + ".tar.gz";
        String uploadId = Slugid.nice();
        JsonNode answer = root.request("PUT", "object", BerthClient.path("/upload/<name>", context), null, Map.of(
                "projectId", "berth", "uploadId", uploadId,
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "proposedUploadMethods", Map.of("putUrl", Map.of("contentType", "application/gzip", "contentLength", archive.size()))));
        root.upload(URI.create(answer.path("uploadMethod").path("putUrl").path("url").asText()),
                new ByteArrayInputStream(archive.toByteArray()), archive.size(), "application/gzip");
        root.request("POST", "object", BerthClient.path("/finish-upload/<name>", context), null,
                Map.of("projectId", "berth", "uploadId", uploadId));

        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.putObject("imageBuild").put("context", context).put("name", name);
        payload.put("maxRunTime", maxRunTime);
        String taskId = Slugid.nice();
        queue.createTask(taskId, TaskBodies.on(taskQueueId).payload(payload)
                .scopes("object:download:" + context, ScopeCheck.imageBuildScope(name)).build());
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
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private List<String> artifacts(String taskId) {
        List<String> names = new ArrayList<>();
        queue.listArtifacts(taskId, 0, null, null).path("artifacts").forEach(a -> names.add(a.path("name").asText()));
        return names;
    }

    @Test
    void aBuildWhoseDockerfileFailsEndsFailedWithTheBuildsErrorInTheLogAndUploadsNothing() throws Exception {
        String taskId = buildTask("fails-" + suffix, "FROM " + TEST_IMAGE + "\nRUN echo about-to-fail-" + suffix + " && exit 7\n", 300);

        assertThat(awaitResolved(taskId)).as(log(taskId)).isEqualTo("failed");
        assertThat(log(taskId)).contains("about-to-fail-" + suffix).contains("returned a non-zero code: 7");
        assertThat(artifacts(taskId)).containsExactly("public/logs/live.log");
        assertThat(buildContainersRunning("about-to-fail-" + suffix)).as("the failed step's container is removed").isFalse();
    }

    private static boolean buildContainersRunning(String marker) throws Exception {
        try (DockerClient client = DockerClients.open(DockerRuntimeConfig.localDefault())) {
            return client.listContainersCmd().withShowAll(true).exec().stream()
                    .anyMatch(c -> c.getCommand() != null && c.getCommand().contains(marker));
        }
    }

    @Test
    void aBuildLongerThanMaxRunTimeIsStoppedOnTheEngineAndFailsSayingSo() throws Exception {
        String marker = "sleeping-" + suffix;
        Instant created = Instant.now();
        String taskId = buildTask("slow-" + suffix, "FROM " + TEST_IMAGE + "\nRUN echo " + marker + " && sleep 300\n", 5);

        assertThat(awaitResolved(taskId)).as(log(taskId)).isEqualTo("failed");
        assertThat(Duration.between(created, Instant.now())).isLessThan(Duration.ofSeconds(120));
        assertThat(log(taskId)).contains(marker).contains("maxRunTime of 5s exceeded: the image build was stopped");
        assertThat(artifacts(taskId)).containsExactly("public/logs/live.log");
        // the engine stopped the build's RUN container with the request, and removed it
        await("the build's container gone").atMost(Duration.ofSeconds(60)).until(() -> !buildContainersRunning(marker));
    }
}
