package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.containerState;
import static dev.berth.it.life.LifeSupport.containers;
import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Berth wired as the README tells a user to deploy it: {@code berth server} and {@code berth worker} as
 * separate processes, the worker holding only {@code queue:claim-work:<queue>} and
 * {@code queue:worker-id:<group>/<id>} through a client made with the auth API, the default claim
 * timeout (20 minutes: no reclaim can rescue a cancel within the test). And the same cancel through
 * {@code berth dev}, the one-process wiring.
 */
class DeployedShapeIT extends DeployedFixture {

    DeployedShapeIT() {
        super("deployed");
    }

    @Test
    void aWorkerHoldingOnlyTheReadmeScopesRunsATaskToCompletion() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        Credentials creds = createWorkerClient(root, workerId);
        BerthProcess worker = startWorker(server.rootUrl(), creds, workerId, 1, null);

        String taskId = Slugid.nice();
        root.queue().createTask(taskId, shellTask("echo hello from the deployed shape", 60));
        await("the task completes").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as("worker alive; output:\n%s", worker.output()).isTrue();
                    TaskStatus s = root.queue().taskStatus(taskId);
                    assertThat(s.state()).as(describe(s) + "\nworker output:\n" + worker.output()).isEqualTo(TaskState.COMPLETED);
                });
        TaskStatus s = root.queue().taskStatus(taskId);
        assertThat(s.runs()).as(describe(s)).hasSize(1);
        assertThat(run(s, 0).workerId()).isEqualTo(workerId);
        try (InputStream in = root.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
            assertThat(LifeSupport.utf8(in.readAllBytes())).contains("hello from the deployed shape");
        }
        await("the finished task's container removed").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(containers(LABEL_TASK_ID, taskId)).isEmpty());
    }

    @Test
    void cancelStopsTheContainerOfAWorkerHoldingOnlyTheReadmeScopesWithinFiveSecondsWithoutAReclaim() {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        Credentials creds = createWorkerClient(root, workerId);
        BerthProcess worker = startWorker(server.rootUrl(), creds, workerId, 1, null);

        cancelStopsTheContainerWithinFiveSeconds("berth server + berth worker (README scopes)", root, worker::output);
    }

    @Test
    void cancelStopsTheContainerOfBerthDevWithinFiveSecondsWithoutAReclaim() {
        ServerProcess dev = startDev(workerId("dev"));
        cancelStopsTheContainerWithinFiveSeconds("berth dev", dev.rootClient(), dev::output);
    }

    /** Starts a long task, waits for its container, cancels it and measures until the engine says it stopped. */
    private void cancelStopsTheContainerWithinFiveSeconds(String wiring, BerthClient root, Supplier<String> workerOutput) {
        String taskId = Slugid.nice();
        root.queue().createTask(taskId, shellTask("echo started; sleep 600", 900));

        AtomicReference<String> container = new AtomicReference<>();
        AtomicReference<Instant> takenUntil = new AtomicReference<>();
        await("run 0 running in a container").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    TaskStatus s = root.queue().taskStatus(taskId);
                    Run r0 = run(s, 0);
                    assertThat(r0).as(describe(s)).isNotNull();
                    assertThat(r0.state()).as(describe(s) + "\nworker output:\n" + workerOutput.get()).isEqualTo(TaskState.RUNNING);
                    List<String> ids = containers(LABEL_TASK_ID, taskId);
                    assertThat(ids).hasSize(1);
                    assertThat(containerState(ids.get(0))).isEqualTo("running");
                    container.set(ids.get(0));
                    takenUntil.set(r0.takenUntil());
                    try (InputStream in = root.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
                        assertThat(LifeSupport.readUntil(in, "started\n")).contains("started\n");
                    }
                });

        Instant cancel = Instant.now();
        root.queue().cancelTask(taskId);
        await("the container stops after cancelTask").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(containerState(container.get()))
                        .as("container state; worker output:\n%s", workerOutput.get()).isNotEqualTo("running"));
        Duration stopped = Duration.between(cancel, Instant.now());

        TaskStatus s = root.queue().taskStatus(taskId);
        assertThat(s.runs()).as(describe(s)).hasSize(1);
        Run r0 = run(s, 0);
        assertThat(r0.state()).as(describe(s)).isEqualTo(TaskState.EXCEPTION);
        assertThat(r0.reasonResolved()).as(describe(s)).isEqualTo(ReasonResolved.CANCELED);
        assertThat(r0.takenUntil()).as("the run's takenUntil: no reclaim happened").isEqualTo(takenUntil.get());
        System.out.printf("[figures] %s: cancelTask to container stopped on the engine: %d ms (takenUntil %s unchanged)%n",
                wiring, stopped.toMillis(), takenUntil.get());
    }
}
