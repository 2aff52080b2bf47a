package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.containerStateOn;
import static dev.berth.it.life.LifeSupport.containersOn;
import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import dev.berth.it.life.LifeSupport.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Docker engine restarts under a running task: the run ends exception and is retried, and the same
 * {@code berth worker} process (not restarted) claims and runs the retry once the engine is back.
 *
 * <p>The engine is a private one that scripts/test-dockerd.sh starts (own socket, data and exec roots,
 * containerd and bridge), never the shared engine other tests use.
 */
// alone (berth-it/pom.xml): restarts the private dockerd and waits on its stop and start
@Tag("serial")
class DockerEngineRestartIT extends DeployedFixture {

    private static final String ENGINE = "unix:///tmp/berth-test-dockerd/docker.sock";

    DockerEngineRestartIT() {
        super("engine");
    }

    private static Result testDockerd(String action) {
        Path script = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../scripts/test-dockerd.sh").normalize();
        return LifeSupport.run(new ProcessBuilder("bash", script.toString(), action), Duration.ofSeconds(120));
    }

    @BeforeAll
    static void startPrivateEngine() {
        Result r = testDockerd("start");
        assertThat(r.exitCode()).as("scripts/test-dockerd.sh start (needs root): %s", r).isZero();
    }

    @AfterAll
    static void stopPrivateEngine() {
        testDockerd("stop");
    }

    /** {@code systemctl restart docker}: dockerd stops its containers (SIGTERM, SIGKILL after 10 s), then exits. */
    @Test
    void anEngineRestartEndsTheRunAsARetriedExceptionAndTheSameWorkerClaimsAgain() {
        engineRestartEndsTheRunAsARetriedException("restart");
    }

    /** dockerd killed (a crash, the OOM killer) and started again: it stops the containers it finds running. */
    @Test
    void anEngineCrashAndRestartEndsTheRunAsARetriedExceptionAndTheSameWorkerClaimsAgain() {
        engineRestartEndsTheRunAsARetriedException("crash-restart");
    }

    private void engineRestartEndsTheRunAsARetriedException(String action) {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        BerthProcess worker = startWorker(server.rootUrl(), createWorkerClient(root, workerId), workerId, 1, ENGINE);
        long pid = worker.pid();

        String taskId = Slugid.nice();
        root.queue().createTask(taskId, shellTask("echo started; sleep 600", 900));
        try {
            AtomicReference<String> first = new AtomicReference<>();
            await("run 0 running in a container on the private engine").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        assertThat(worker.process.isAlive()).as("worker alive:\n%s", worker.output()).isTrue();
                        TaskStatus s = root.queue().taskStatus(taskId);
                        assertThat(run(s, 0)).as(describe(s)).isNotNull();
                        assertThat(run(s, 0).state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
                        List<String> ids = containersOn(ENGINE, LABEL_TASK_ID, taskId);
                        assertThat(ids).hasSize(1);
                        assertThat(containerStateOn(ENGINE, ids.get(0))).isEqualTo("running");
                        first.set(ids.get(0));
                    });

            Instant restart = Instant.now();
            Result r = testDockerd(action);
            assertThat(r.exitCode()).as("scripts/test-dockerd.sh %s: %s", action, r).isZero();
            Duration engineDown = Duration.between(restart, Instant.now());

            await("run 0 exception, and a retry running on the same worker process")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                        assertThat(worker.process.isAlive()).as("worker alive:\n%s", worker.output()).isTrue();
                        TaskStatus s = root.queue().taskStatus(taskId);
                        Run r0 = run(s, 0);
                        if (r0.state() == TaskState.FAILED || r0.state() == TaskState.COMPLETED) {
                            // final: waiting longer cannot help
                            throw new IllegalStateException("run 0 resolved as if the task itself had ended: " + describe(s)
                                    + "\nworker output:\n" + worker.output());
                        }
                        Run latest = s.runs().get(s.runs().size() - 1);
                        assertThat(s.runs()).as(describe(s)).hasSizeGreaterThan(1);
                        assertThat(s.runs().subList(0, s.runs().size() - 1)).as(describe(s))
                                .allSatisfy(earlier -> assertThat(earlier.state()).isEqualTo(TaskState.EXCEPTION));
                        assertThat(latest.reasonCreated()).as(describe(s)).isEqualTo(ReasonCreated.RETRY);
                        assertThat(latest.state()).as(describe(s) + "\nworker output:\n" + worker.output()).isEqualTo(TaskState.RUNNING);
                        assertThat(latest.workerId()).isEqualTo(workerId);
                        List<String> ids = containersOn(ENGINE, LABEL_TASK_ID, taskId).stream()
                                .filter(id -> "running".equals(containerStateOn(ENGINE, id))).toList();
                        assertThat(ids).hasSize(1).doesNotContain(first.get());
                    });
            Duration recovered = Duration.between(restart, Instant.now());
            assertThat(worker.pid()).as("the same worker process").isEqualTo(pid);
            TaskStatus s = root.queue().taskStatus(taskId);
            System.out.printf("[figures] engine %s: engine down %d ms (scripts/test-dockerd.sh %s); run 0 %s/%s; "
                            + "retry running on the same worker %d ms after the restart began; runs: %s%n",
                    action, engineDown.toMillis(), action, run(s, 0).state().wire(), run(s, 0).reasonResolved().wire(),
                    recovered.toMillis(), describe(s));
        } finally {
            try {
                root.queue().cancelTask(taskId);
            } catch (RuntimeException ignored) {
                // resolved already
            }
        }
    }
}
