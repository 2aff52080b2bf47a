package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_RUN_ID;
import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static dev.berth.it.life.LifeSupport.containerState;
import static dev.berth.it.life.LifeSupport.containers;
import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.label;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A {@code berth worker} process dies without a word (SIGKILL) while its task runs: the queue notices by
 * the claim expiring and schedules a retry; the container it left behind survives the crash, and the
 * next incarnation of the same worker id removes it before it claims again — and then runs the retry.
 */
// alone (berth-it/pom.xml): its claims last 3 s, so a run is lost when a busy neighbour delays a reclaim that long
@Tag("serial")
class WorkerCrashRecoveryIT extends WorkerProcessFixture {

    private static final int CLAIM_TIMEOUT_SECONDS = 3;

    private BerthProcess first;
    private BerthProcess second;

    WorkerCrashRecoveryIT() {
        super("crash", CLAIM_TIMEOUT_SECONDS);
    }

    @Override
    protected void stopWorkers() {
        if (first != null) first.close();
        if (second != null) {
            second.process.destroy(); // a graceful stop, as a service manager would
            try {
                if (!second.process.waitFor(40, TimeUnit.SECONDS)) second.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                second.close();
            }
        }
    }

    @Test
    void aKilledWorkersRunExpiresIsRetriedAndItsNextLifeRemovesTheLeftoverContainerThenRunsTheRetry() throws Exception {
        first = LifeSupport.startWorker(server, dir, taskQueueId, workerId);
        taskId = Slugid.nice();
        client.queue().createTask(taskId, LifeSupport.shellTask(taskQueueId, "echo started; sleep 600", 900));

        // the run is running on the worker process and its container is up, labelled with task, run and worker
        AtomicReference<String> oldContainer = new AtomicReference<>();
        await("run 0 running in a container")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    assertThat(first.process.isAlive()).as("worker process alive; output:\n%s", first.output()).isTrue();
                    TaskStatus s = client.queue().taskStatus(taskId);
                    Run r0 = run(s, 0);
                    assertThat(r0).as(describe(s)).isNotNull();
                    assertThat(r0.state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
                    assertThat(r0.workerId()).isEqualTo(workerId);
                    List<String> ids = containers(LABEL_TASK_ID, taskId);
                    assertThat(ids).hasSize(1);
                    assertThat(containerState(ids.get(0))).isEqualTo("running");
                    oldContainer.set(ids.get(0));
                });
        String old = oldContainer.get();
        assertThat(label(old, LABEL_WORKER_ID)).isEqualTo(workerId);
        assertThat(label(old, LABEL_RUN_ID)).isEqualTo("0");

        // SIGKILL: no shutdown hook, no hand-back, no container cleanup
        first.process.destroyForcibly();
        assertThat(first.process.waitFor(20, TimeUnit.SECONDS)).as("the killed worker process ends").isTrue();
        assertThat(first.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        // the claim runs out (3 s) and the sweeper resolves run 0 claim-expired and schedules retry run 1
        await("run 0 claim-expired and run 1 pending").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    TaskStatus s = client.queue().taskStatus(taskId);
                    Run r0 = run(s, 0);
                    Run r1 = run(s, 1);
                    assertThat(r0.state()).as(describe(s)).isEqualTo(TaskState.EXCEPTION);
                    assertThat(r0.reasonResolved()).as(describe(s)).isEqualTo(ReasonResolved.CLAIM_EXPIRED);
                    assertThat(r1).as(describe(s)).isNotNull();
                    assertThat(r1.state()).as(describe(s)).isEqualTo(TaskState.PENDING);
                    assertThat(r1.reasonCreated()).as(describe(s)).isEqualTo(ReasonCreated.RETRY);
                    assertThat(s.state()).isEqualTo(TaskState.PENDING);
                });

        // nobody was left to remove the container: it is still there (and still running its sleep)
        assertThat(containers(LABEL_WORKER_ID, workerId)).containsExactly(old);
        assertThat(containerState(old)).isEqualTo("running");

        // the same worker id starts again: its leftover goes first, then it claims the retry
        second = LifeSupport.startWorker(server, dir, taskQueueId, workerId);
        await("the leftover container " + old + " removed by the restarted worker")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(second.process.isAlive()).as("restarted worker alive; output:\n%s", second.output()).isTrue();
                    assertThat(containers(LABEL_WORKER_ID, workerId)).doesNotContain(old);
                    assertThat(containerState(old)).isEqualTo("absent");
                });
        await("run 1 claimed by the restarted worker").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    TaskStatus s = client.queue().taskStatus(taskId);
                    Run r1 = run(s, 1);
                    assertThat(r1.state()).as(describe(s) + "\nworker output:\n" + second.output()).isEqualTo(TaskState.RUNNING);
                    assertThat(r1.workerId()).isEqualTo(workerId);
                    List<String> ids = containers(LABEL_TASK_ID, taskId);
                    assertThat(ids).hasSize(1).doesNotContain(old);
                    assertThat(label(ids.get(0), LABEL_RUN_ID)).isEqualTo("1");
                    assertThat(containerState(ids.get(0))).isEqualTo("running");
                });
        assertThat(second.output()).contains("removed leftover container " + old.substring(0, 12));

        // and it holds the claim beyond the 3 s timeout (reclaims work for the new life too)
        Thread.sleep(TimeUnit.SECONDS.toMillis(CLAIM_TIMEOUT_SECONDS * 2L));
        TaskStatus s = client.queue().taskStatus(taskId);
        assertThat(run(s, 1).state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
        assertThat(s.runs()).hasSize(2);
    }
}
