package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.auth.TokenSealer;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.testing.SignedHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Berth's own images (scripts/images.sh) under the compose file, as a user runs them: PostgreSQL, the server, a
 * provisioner and a worker pool come up; a task makes the provisioner start a worker (on the host's engine, with a
 * client of its own) which runs it, as it runs a job submitted through seed 003's job service ({@code /submit},
 * {@code /status}); runit restarts a server process that dies; {@code docker exec … bash -l} gives
 * a shell; the data survives {@code down} and {@code up}.
 */
class BerthImagesComposeIT {

    private static final Path PROJECT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    private final String id = LifeSupport.shortId();
    private final String project = "berthit" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
    private final String taskQueueId = "compose-it/q" + id;
    private final String rootToken = TokenSealer.generateAccessToken();
    private int port;

    @AfterEach
    void down() {
        if (port != 0) compose(Duration.ofMinutes(3), "down", "-v", "--remove-orphans");
        // the pool's workers are the provisioner's containers, not compose's
        LifeSupport.removeContainers("berth.pool", taskQueueId);
    }

    @Test
    void composeUpRunsATaskOnAProvisionedWorkerOfBerthsOwnImagesAndKeepsItsDataAcrossDownAndUp() throws Exception {
        LifeSupport.requireDocker();
        buildImages();
        port = freePort();
        String rootUrl = "http://localhost:" + port;
        BerthClient root = new BerthClient(rootUrl, new Credentials("static/berth/root", rootToken));

        ok(compose(Duration.ofMinutes(5), "up", "-d"), "docker-compose up -d");
        awaitAnswers(root);
        String taskId = runTask(root, "echo hello from compose");
        assertThat(LifeSupport.containers("berth.pool", taskQueueId)).as("the pool's worker the provisioner started").isNotEmpty();
        submitAJobAndFollowItsStatus(rootUrl);

        // the server process dies: runit starts it again and it answers under the same root URL
        String server = project + "_server_1";
        ok(LifeSupport.docker("exec", server, "pkill", "-9", "-f", "berth.jar server"), "kill the server process");
        awaitAnswers(root);
        LifeSupport.Result shell = LifeSupport.docker("exec", server, "bash", "-l", "-c", "sv status /etc/service/berth-server");
        ok(shell, "docker exec bash -l");
        assertThat(shell.out()).startsWith("run: /etc/service/berth-server");

        ok(compose(Duration.ofMinutes(3), "down"), "docker-compose down");
        ok(compose(Duration.ofMinutes(5), "up", "-d"), "docker-compose up -d again");
        awaitAnswers(root);
        assertThat(root.queue().taskStatus(taskId).state()).as("the task of before the down").isEqualTo(TaskState.COMPLETED);
        runTask(root, "echo and after it");
    }

    /**
     * Seed 003's job service on the composed server: {@code POST /submit} makes a job (a task on the pool's queue),
     * {@code GET /status/<id>} follows it until a pool worker has run it.
     */
    private void submitAJobAndFollowItsStatus(String rootUrl) throws IOException {
        SignedHttp.Response schema = SignedHttp.anonymous(rootUrl).get("/schema");
        assertThat(schema.status()).as("GET /schema: %s", schema).isEqualTo(200);
        assertThat(schema.json().path("required").toString()).contains("image").contains("command");

        SignedHttp root = SignedHttp.signed(rootUrl, "static/berth/root", rootToken);
        SignedHttp.Response submitted = root.post("/submit", Map.of("image", LifeSupport.IMAGE,
                "command", List.of("sh", "-c", "echo job submitted through the job service"),
                "taskQueueId", taskQueueId, "maxRunTime", 60, "name", "compose job " + id));
        assertThat(submitted.status()).as("POST /submit: %s", submitted).isEqualTo(200);
        String jobId = submitted.json().asText();
        assertThat(jobId).matches("[A-Za-z0-9_-]{22}");

        List<String> seen = new ArrayList<>();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            SignedHttp.Response status = root.get("/status/" + jobId);
            assertThat(status.status()).as("GET /status/%s: %s", jobId, status).isEqualTo(200);
            String state = status.json().path("state").asText();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) seen.add(state);
            return !state.equals("pending") && !state.equals("running") && !state.equals("unscheduled");
        });
        assertThat(seen).as("the states /status showed").last().isEqualTo("completed");
        TaskStatus status = new BerthClient(rootUrl, new Credentials("static/berth/root", rootToken)).queue().taskStatus(jobId);
        assertThat(status.runs().get(status.runs().size() - 1).workerId()).as("run by a pool worker: %s", LifeSupport.describe(status))
                .startsWith("w");
        try (InputStream log = new BerthClient(rootUrl, new Credentials("static/berth/root", rootToken)).queue()
                .getLatestArtifact(jobId, "public/logs/live.log")) {
            assertThat(new String(log.readAllBytes(), StandardCharsets.UTF_8)).contains("job submitted through the job service");
        }
    }

    /** The images of this build's distribution (the base image is made once by scripts/test.sh: debootstrap takes minutes). */
    private static void buildImages() {
        ProcessBuilder images = new ProcessBuilder("bash", "scripts/images.sh", "server", "worker", "postgres")
                .directory(PROJECT.toFile());
        // this Maven build packaged the distribution just now
        images.environment().put("BERTH_DIST_FRESH", "1");
        ok(LifeSupport.run(images, Duration.ofMinutes(10)), "bash scripts/images.sh server worker postgres");
    }

    /** docker-compose on the project's compose file, as its own project with this test's port, tokens and queue. */
    private LifeSupport.Result compose(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker-compose", "-p", project, "--project-directory", "deploy/compose",
                "-f", "deploy/compose/docker-compose.yml"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(PROJECT.toFile());
        pb.environment().putAll(Map.of("BERTH_PORT", String.valueOf(port), "BERTH_ROOT_ACCESS_TOKEN", rootToken,
                "BERTH_DB_PASSWORD", "it-" + id, "BERTH_TASK_QUEUE", taskQueueId));
        return LifeSupport.run(pb, timeout);
    }

    private void awaitAnswers(BerthClient root) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> root.queue().ping().path("alive").asBoolean());
    }

    private String runTask(BerthClient root, String script) throws IOException {
        String taskId = Slugid.nice();
        ObjectNode task = LifeSupport.shellTask(taskQueueId, script, 60);
        root.queue().createTask(taskId, task);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus status = root.queue().taskStatus(taskId);
        assertThat(status.state()).as(LifeSupport.describe(status)).isEqualTo(TaskState.COMPLETED);
        try (InputStream log = root.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
            assertThat(new String(log.readAllBytes(), StandardCharsets.UTF_8)).contains(script.substring(5));
        }
        return taskId;
    }

    private static void ok(LifeSupport.Result r, String what) {
        assertThat(r.exitCode()).as("%s: %s", what, r).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
