package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.auth.TokenSealer;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Berth's own images (scripts/images.sh) as a user runs them: the server image and a worker image on the host's
 * engine through its socket run a task; runit restarts a server that dies; {@code docker exec … bash -l} gives a shell.
 */
class BerthImagesIT {

    private static final String SERVER_IMAGE = "berth/server:latest";
    private static final String WORKER_IMAGE = "berth/worker:latest";

    private final String id = LifeSupport.shortId();
    private final String network = "berth-images-it-" + id;
    private final String server = "berth-images-server-" + id;
    private final String worker = "berth-images-worker-" + id;
    private final String workerId = "images-it-" + id;
    private final String taskQueueId = "images-it/q" + id;
    private final List<String> made = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (String c : made) LifeSupport.docker("rm", "-f", "-v", c);
        LifeSupport.removeContainers(dev.berth.worker.runtime.ContainerRuntime.LABEL_WORKER_ID, workerId);
        LifeSupport.docker("network", "rm", network);
    }

    private static void ok(LifeSupport.Result r, String what) {
        assertThat(r.exitCode()).as("%s: %s", what, r).isZero();
    }

    @Test
    void theServerAndWorkerImagesRunATaskAndRunitRestartsAServerThatDies() throws Exception {
        LifeSupport.requireDocker();
        buildImages();
        ok(LifeSupport.docker("network", "create", network), "network create");
        // the network's gateway is the host's address on it: the test and the worker container both reach the
        // server's port published there, under one root URL (and it is not published anywhere else)
        String gateway = LifeSupport.docker("network", "inspect", "--format", "{{(index .IPAM.Config 0).Gateway}}", network)
                .out().trim();
        int port = freePort();
        String rootUrl = "http://" + gateway + ":" + port;
        String rootToken = TokenSealer.generateAccessToken();

        made.add(server);
        ok(LifeSupport.docker("run", "-d", "--name", server, "--network", network, "-p", gateway + ":" + port + ":8080",
                "-e", "BERTH_ROOT_URL=" + rootUrl, "-e", "BERTH_ROOT_ACCESS_TOKEN=" + rootToken, SERVER_IMAGE), "docker run server");
        awaitHealthy(server);
        BerthClient root = new BerthClient(rootUrl, new Credentials("static/berth/root", rootToken));

        Credentials workerCredentials = createWorkerClient(root);
        made.add(worker);
        ok(LifeSupport.docker("run", "-d", "--name", worker, "--network", network,
                "-v", "/var/run/docker.sock:/var/run/docker.sock",
                "-e", "BERTH_ROOT_URL=" + rootUrl,
                "-e", "TASKCLUSTER_CLIENT_ID=" + workerCredentials.clientId(),
                "-e", "TASKCLUSTER_ACCESS_TOKEN=" + workerCredentials.accessToken(),
                "-e", "BERTH_TASK_QUEUE=" + taskQueueId, "-e", "BERTH_WORKER_GROUP=" + LifeSupport.WORKER_GROUP,
                "-e", "BERTH_WORKER_ID=" + workerId, "-e", "BERTH_WORKER_MEMORY=256m", WORKER_IMAGE), "docker run worker");
        awaitHealthy(worker);

        assertThat(runTask(root, "echo hello from the worker image")).contains("hello from the worker image");

        // the server process dies: runit starts it again and it answers under the same root URL
        ok(LifeSupport.docker("exec", server, "pkill", "-9", "-f", "berth.jar server"), "kill the server process");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> root.queue().ping().path("alive").asBoolean());
        assertThat(runTask(root, "echo after the restart")).contains("after the restart");

        LifeSupport.Result shell = LifeSupport.docker("exec", server, "bash", "-l", "-c", "sv status /etc/service/berth-server");
        ok(shell, "docker exec bash -l");
        assertThat(shell.out()).startsWith("run: /etc/service/berth-server");
    }

    /** The images of this build's distribution (the base image is made once by scripts/test.sh: debootstrap takes minutes). */
    private static void buildImages() {
        java.nio.file.Path project = java.nio.file.Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        LifeSupport.Result built = LifeSupport.run(new ProcessBuilder("bash", "scripts/images.sh", "server", "worker")
                .directory(project.toFile()), Duration.ofMinutes(10));
        ok(built, "bash scripts/images.sh server worker");
        for (String image : List.of(SERVER_IMAGE, WORKER_IMAGE)) {
            ok(LifeSupport.docker("image", "inspect", "--format", "{{.Id}}", image), image);
        }
    }

    private String runTask(BerthClient root, String script) throws IOException {
        String taskId = Slugid.nice();
        ObjectNode task = LifeSupport.shellTask(taskQueueId, script, 60);
        root.queue().createTask(taskId, task);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus status = root.queue().taskStatus(taskId);
        assertThat(status.state()).as(LifeSupport.describe(status)).isEqualTo(TaskState.COMPLETED);
        try (InputStream log = root.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
            return new String(log.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Credentials createWorkerClient(BerthClient root) {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("description", "worker of BerthImagesIT");
        request.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        dev.berth.core.dockerworker.WorkerScopes.of(taskQueueId, LifeSupport.WORKER_GROUP, workerId)
                .forEach(request.putArray("scopes")::add);
        JsonNode created = root.auth().createClient("worker/" + workerId, request);
        return new Credentials("worker/" + workerId, created.get("accessToken").asText());
    }

    private static void awaitHealthy(String container) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            String health = LifeSupport.docker("inspect", "--format", "{{.State.Health.Status}}", container).out().trim();
            assertThat(health).as("%s health; its log:\n%s", container, LifeSupport.docker("logs", "--tail", "30", container))
                    .isNotEqualTo("unhealthy");
            return health.equals("healthy");
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
