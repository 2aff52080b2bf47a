package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static dev.berth.it.life.LifeSupport.containerState;
import static dev.berth.it.life.LifeSupport.containers;
import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.core.auth.Slugid;
import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a {@code berth worker} process with a task running: it hands the run back
 * (exception/worker-shutdown, so the queue retries at once rather than after the claim timeout), its
 * container is gone, and the process exits — all well within the default 30 s grace.
 */
class WorkerShutdownIT extends WorkerProcessFixture {

    /** Long on purpose: a retry that appears within seconds can only come from the hand-back, not from expiry. */
    private static final int CLAIM_TIMEOUT_SECONDS = 600;

    private BerthProcess worker;

    WorkerShutdownIT() {
        super("term", CLAIM_TIMEOUT_SECONDS);
    }

    @Override
    protected void stopWorkers() {
        if (worker != null) worker.close();
    }

    @Test
    void sigtermHandsTheRunningRunBackAsWorkerShutdownRemovesItsContainerAndExits() throws Exception {
        worker = LifeSupport.startWorker(server, dir, taskQueueId, workerId);
        taskId = Slugid.nice();
        client.queue().createTask(taskId, LifeSupport.shellTask(taskQueueId, "echo started; sleep 600", 900));

        AtomicReference<String> container = new AtomicReference<>();
        await("run 0 running, its container up and its output in the live log")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as("worker process alive; output:\n%s", worker.output()).isTrue();
                    TaskStatus s = client.queue().taskStatus(taskId);
                    Run r0 = run(s, 0);
                    assertThat(r0).as(describe(s)).isNotNull();
                    assertThat(r0.state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
                    List<String> ids = containers(LABEL_TASK_ID, taskId);
                    assertThat(ids).hasSize(1);
                    assertThat(containerState(ids.get(0))).isEqualTo("running");
                    container.set(ids.get(0));
                    try (InputStream in = client.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
                        assertThat(LifeSupport.readUntil(in, "started\n")).contains("started\n");
                    }
                });

        Instant term = Instant.now();
        worker.process.destroy(); // SIGTERM
        assertThat(worker.process.waitFor(40, TimeUnit.SECONDS))
                .as("the worker process exits after SIGTERM; output:\n%s", worker.output()).isTrue();
        Duration took = Duration.between(term, Instant.now());
        assertThat(took).as("exit within the shutdown grace").isLessThan(Duration.ofSeconds(35));

        TaskStatus s = client.queue().taskStatus(taskId);
        Run r0 = run(s, 0);
        Run r1 = run(s, 1);
        assertThat(r0.state()).as(describe(s) + "\nworker output:\n" + worker.output()).isEqualTo(TaskState.EXCEPTION);
        assertThat(r0.reasonResolved()).as(describe(s)).isEqualTo(ReasonResolved.WORKER_SHUTDOWN);
        assertThat(r1).as(describe(s)).isNotNull();
        assertThat(r1.state()).as(describe(s)).isEqualTo(TaskState.PENDING);
        assertThat(r1.reasonCreated()).as(describe(s)).isEqualTo(ReasonCreated.RETRY);
        assertThat(s.state()).isEqualTo(TaskState.PENDING);

        assertThat(containerState(container.get())).as("the run's container after the worker exited").isEqualTo("absent");
        assertThat(containers(LABEL_TASK_ID, taskId)).isEmpty();
        assertThat(containers(LABEL_WORKER_ID, workerId)).isEmpty();

        // the hand-back is written at the end of run 0's log
        try (InputStream in = client.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
            assertThat(LifeSupport.utf8(in.readAllBytes())).contains("started").contains("worker-shutdown");
        }
    }
}
