package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static dev.berth.it.life.LifeSupport.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of {@code berth server} on PostgreSQL while two {@code berth worker} processes run 500 short tasks,
 * then the server started again on the same database and port: every task ends completed, by exactly one
 * run that ran (a second run may exist only for a claim whose answer the kill swallowed: it expired with
 * nothing run, no log), none lost, no container left behind.
 *
 * <p>The claim timeout is 30 s here (not the default 20 minutes) so that such a swallowed claim is retried
 * within the test; everything else is the deployed shape (README-scoped worker clients, separate processes).
 */
// alone (berth-it/pom.xml): a kill under load, CPU-heavy, would slow the tests beside it and be slowed by them
@Tag("serial")
class ServerKilledUnderLoadIT extends DeployedFixture {

    private static final int TASKS = 300;
    private static final int CAPACITY = 6;
    private static final Duration DOWNTIME = Duration.ofSeconds(5);

    ServerKilledUnderLoadIT() {
        super("kill9");
    }

    @Test
    void killedAndRestartedServerOnPostgresLosesNoTaskAndRunsNoneTwice() throws Exception {
        ServerProcess server = startServer(Map.of("BERTH_DATABASE_URL", databaseUrl(), "BERTH_CLAIM_TIMEOUT", "30"));
        BerthClient root = server.rootClient();
        List<String> workerIds = List.of(workerId("a"), workerId("b"));
        List<BerthProcess> workers = new ArrayList<>();
        for (String id : workerIds) {
            workers.add(startWorker(server.rootUrl(), createWorkerClient(root, id), id, CAPACITY, null));
        }

        String group = Slugid.nice();
        Instant begin = Instant.now();
        List<String> taskIds = createTasks(root, group, TASKS, "echo task $N", 60);

        await("a fifth of the tasks completed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (BerthProcess w : workers) assertThat(w.process.isAlive()).as("worker alive:\n%s", w.output()).isTrue();
                    assertThat(count(taskGroup(root, group), TaskState.COMPLETED)).isGreaterThanOrEqualTo(TASKS / 5);
                });

        long completedAtKill = count(taskGroup(root, group), TaskState.COMPLETED);
        Instant killed = Instant.now();
        server.kill9();
        Thread.sleep(DOWNTIME.toMillis()); // the server stays away this long, whatever the workers do meanwhile
        server.start();
        Duration downtime = Duration.between(killed, Instant.now());

        await("every task resolved after the restart").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (BerthProcess w : workers) assertThat(w.process.isAlive()).as("worker alive:\n%s", w.output()).isTrue();
                    Map<String, TaskStatus> all = taskGroup(root, group);
                    assertThat(all).hasSize(TASKS);
                    assertThat(all.values()).as("unresolved tasks").allSatisfy(s ->
                            assertThat(s.state()).as(describe(s)).isIn(TaskState.COMPLETED, TaskState.FAILED, TaskState.EXCEPTION));
                });
        Duration total = Duration.between(begin, Instant.now());

        Map<String, TaskStatus> all = taskGroup(root, group);
        assertThat(all.keySet()).containsExactlyInAnyOrderElementsOf(taskIds);
        int moreThanOneRun = 0;
        List<String> ranTwice = new ArrayList<>();
        for (TaskStatus s : all.values()) {
            assertThat(s.state()).as(describe(s)).isEqualTo(TaskState.COMPLETED);
            assertThat(s.runs().stream().filter(r -> r.state() == TaskState.COMPLETED)).as(describe(s)).hasSize(1);
            if (s.runs().size() > 1) {
                moreThanOneRun++;
                for (Run r : s.runs()) {
                    if (r.state() == TaskState.COMPLETED) continue;
                    // a run that a worker started has its live log; one whose claim answer was lost has nothing
                    JsonNode artifacts = root.queue().listArtifacts(s.taskId(), r.runId(), null, null).path("artifacts");
                    if (r.reasonResolved() != ReasonResolved.CLAIM_EXPIRED || !artifacts.isEmpty()) {
                        ranTwice.add(describe(s) + " artifacts of run " + r.runId() + ": " + artifacts);
                    }
                }
            }
        }
        for (String id : workerIds) {
            await("no container of " + id + " left").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(LifeSupport.containers(LABEL_WORKER_ID, id)).isEmpty());
        }
        System.out.printf("[figures] server kill -9 under load: %d tasks on 2 workers x capacity %d, PostgreSQL; "
                        + "killed after %d completed; downtime (kill to healthy again) %d ms; total %d ms; "
                        + "tasks with >1 run: %d; tasks run twice: %d%n",
                TASKS, CAPACITY, completedAtKill, downtime.toMillis(), total.toMillis(), moreThanOneRun, ranTwice.size());
        assertThat(ranTwice).as("tasks whose second run was not a lost claim (a worker ran them twice)").isEmpty();
    }
}
