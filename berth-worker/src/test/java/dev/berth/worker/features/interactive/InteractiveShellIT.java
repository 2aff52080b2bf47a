package dev.berth.worker.features.interactive;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.client.ShellSocket;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shells in a task through the server, with a real server, a real engine and a worker holding only the scopes a
 * deployed worker has (its queue and worker id): the worker connects out to the relay with the run's credentials.
 */
class InteractiveShellIT {

    @TempDir
    Path tmp;

    private BerthServer server;
    private Worker worker;
    private BerthClient root;
    private QueueClient queue;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/shell-" + suffix;
    private final String workerId = "w-shell-" + suffix;

    @BeforeEach
    void start() throws Exception {
        docker = DockerTestSupport.runtime();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
        Credentials workerCredentials = client("berth/workers/" + workerId,
                "queue:claim-work:" + taskQueueId, "queue:worker-id:shell/" + workerId);
        Path config = tmp.resolve("worker.yml");
        Files.writeString(config, "features:\n  interactive:\n    keepAliveAfterExit: 4s\n    idleAfterSession: 2s\n");
        worker = Worker.builder(WorkerConfig.load(config, Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", workerCredentials.clientId(),
                "TASKCLUSTER_ACCESS_TOKEN", workerCredentials.accessToken(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", "shell",
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"))).timing(dev.berth.worker.TestTimings.SHORT_CLAIM_POLLS).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private Credentials client(String clientId, String... scopes) {
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "shell IT",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", List.of(scopes)));
        return new Credentials(clientId, created.path("accessToken").asText());
    }

    private String interactiveTask(String script) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(300).build();
        ((ObjectNode) body.get("payload")).putObject("features").put("interactive", true);
        queue.createTask(taskId, body);
        return taskId;
    }

    private JsonNode run0(String taskId) {
        return queue.status(taskId).path("status").path("runs").get(0);
    }

    /** Waits until the run's worker holds its control socket on the server. */
    private void awaitShell(String taskId) {
        await().atMost(Duration.ofSeconds(60)).until(() -> root.get("berth", "/shell/" + taskId + "/0")
                .path("workerConnected").asBoolean());
    }

    private String log(String taskId) throws Exception {
        try (InputStream in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A session's output and end. */
    static final class Session implements ShellSocket.Listener {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final CompletableFuture<Integer> stopped = new CompletableFuture<>();
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final List<String> errors = new ArrayList<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public void ready() { ready.complete(null); }

        @Override
        public synchronized void output(boolean stderr, byte[] data) { out.writeBytes(data); }

        @Override
        public void stopped(int exitCode) { stopped.complete(exitCode); }

        @Override
        public synchronized void error(String message) { errors.add(message); }

        @Override
        public void closed(int status, String reason) { closed.complete(null); }

        synchronized String text() { return out.toString(StandardCharsets.UTF_8); }

        synchronized List<String> errorList() { return List.copyOf(errors); }
    }

    private ShellSocket open(String taskId, Credentials who, Session session, boolean tty, String... command) {
        return ShellSocket.open(ShellSocket.url(server.rootUrl(), taskId, 0, List.of(command), tty), who, session);
    }

    @Test
    void aSessionThroughTheServerRunsEchoSeesItsOutputAndExitCodeFollowsAResizeAndIsAudited() throws Exception {
        Credentials alice = client("shell-alice-" + suffix, "queue:get-artifact:private/docker-worker/shell.html");
        // the task waits for a file only a shell in its own container can make
        String taskId = interactiveTask("echo task started; while [ ! -e /tmp/go ]; do sleep 1; done; echo task saw the shell");
        awaitShell(taskId);

        Session echo = new Session();
        try (ShellSocket s = open(taskId, alice, echo, false, "echo", "hello")) {
            assertThat(echo.stopped.get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(echo.text()).isEqualTo("hello\n");

        Session failing = new Session();
        try (ShellSocket s = open(taskId, alice, failing, false, "sh", "-c", "echo to stderr >&2; exit 3")) {
            assertThat(failing.stopped.get(30, TimeUnit.SECONDS)).isEqualTo(3);
        }

        Session shell = new Session();
        try (ShellSocket s = open(taskId, alice, shell, true)) {
            shell.ready.get(30, TimeUnit.SECONDS);
            s.resize(33, 111);
            s.stdin("stty size\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> shell.text().contains("33 111"));
            s.resize(41, 87);
            s.stdin("stty size; touch /tmp/go; exit 4\n".getBytes(StandardCharsets.UTF_8));
            assertThat(shell.stopped.get(30, TimeUnit.SECONDS)).isEqualTo(4);
        }
        assertThat(shell.text()).contains("41 87");

        await().atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(run0(taskId).path("state").asText()));
        String log = log(taskId);
        assertThat(log).contains("task saw the shell");
        assertThat(log).containsPattern("interactive: session 1 opened by shell-alice-" + suffix + " at \\d{4}-\\d\\d-\\d\\dT[^:]+:\\d\\d:\\d\\d.*: echo hello");
        assertThat(log).contains("interactive: session 1 of shell-alice-" + suffix + " ended, exit code 0");
        assertThat(log).contains("interactive: session 2 of shell-alice-" + suffix + " ended, exit code 3");
        assertThat(log).contains("interactive: session 3 opened by shell-alice-" + suffix);

        // the reference artifact says where to connect
        JsonNode artifacts = queue.listArtifacts(taskId, 0, null, null).path("artifacts");
        JsonNode shellHtml = null;
        for (JsonNode a : artifacts) if (a.path("name").asText().equals("private/docker-worker/shell.html")) shellHtml = a;
        assertThat(shellHtml).as("artifacts: " + artifacts).isNotNull();
        assertThat(shellHtml.path("storageType").asText()).isEqualTo("reference");
    }

    @Test
    void theContainerStaysForShellsAfterTheCommandExitedAndTheRunKeepsTheCommandsExitCode() throws Exception {
        Credentials alice = client("shell-alice-" + suffix, "queue:get-artifact:private/docker-worker/shell.html");
        String taskId = interactiveTask("echo the command ran; echo left behind > /tmp/result; exit 0");
        awaitShell(taskId);
        // the command ends at once; the wrapper then records its code and waits for the keep-alive to end
        Session after = new Session();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Session probe = new Session();
            try (ShellSocket s = open(taskId, alice, probe, false, "cat", "/tmp/.berth-interactive/exit")) {
                return probe.stopped.get(30, TimeUnit.SECONDS) == 0 && probe.text().equals("0\n");
            }
        });
        try (ShellSocket s = open(taskId, alice, after, false, "cat", "/tmp/result")) {
            assertThat(after.stopped.get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(after.text()).isEqualTo("left behind\n");
        assertThat(run0(taskId).path("state").asText()).isEqualTo("running");

        await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(run0(taskId).path("state").asText()));
        assertThat(run0(taskId).path("state").asText()).isEqualTo("completed");
        assertThat(log(taskId)).contains("interactive: the command exited with code 0")
                .contains("interactive: the container is released");

        String failing = interactiveTask("exit 7");
        await().atMost(Duration.ofSeconds(60)).until(() -> "failed".equals(run0(failing).path("state").asText()));
        assertThat(log(failing)).contains("interactive: the command exited with code 7").contains("exit code 7");
    }

    @Test
    void aPersonWithoutTheScopeIsRefusedOneWithTheTasksScopeMayUseABewitAndTheEleventhSessionIsRefused() throws Exception {
        Credentials mallory = client("shell-mallory-" + suffix, "queue:get-artifact:public/*");
        String taskId = interactiveTask("sleep 120");
        Credentials bob = client("shell-bob-" + suffix, "berth:shell:" + taskId);
        awaitShell(taskId);

        assertThatThrownBy(() -> open(taskId, mallory, new Session(), false, "echo", "no"))
                .hasMessageContaining("403");
        assertThatThrownBy(() -> open(taskId, null, new Session(), false, "echo", "no")).hasMessageContaining("403");

        Session viaBewit = new Session();
        var url = ShellSocket.withBewit(ShellSocket.url(server.rootUrl(), taskId, 0, List.of("echo", "bewit"), false), bob,
                Duration.ofMinutes(1));
        try (ShellSocket s = ShellSocket.open(url, null, viaBewit)) {
            assertThat(viaBewit.stopped.get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(viaBewit.text()).isEqualTo("bewit\n");

        List<ShellSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < ShellRelayLimit.MAX; i++) {
                Session s = new Session();
                open.add(open(taskId, bob, s, true, "sh"));
                s.ready.get(30, TimeUnit.SECONDS);
            }
            Session eleventh = new Session();
            open.add(open(taskId, bob, eleventh, true, "sh"));
            eleventh.closed.get(30, TimeUnit.SECONDS);
            assertThat(eleventh.errorList()).contains("Too many sessions active!");
        } finally {
            open.forEach(ShellSocket::close);
        }
        queue.cancelTask(taskId);
    }

    /** docker-exec-websocket-server's limit. */
    private static final class ShellRelayLimit {
        static final int MAX = 10;
    }
}
