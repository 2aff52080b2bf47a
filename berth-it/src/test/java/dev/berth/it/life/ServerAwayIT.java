package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.containerState;
import static dev.berth.it.life.LifeSupport.containers;
import static dev.berth.it.life.LifeSupport.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@code berth server} unreachable for 30 s (killed, then started again on the same port and PostgreSQL
 * database) while a {@code berth worker} process runs four tasks that print a line a second: two end
 * while the server is away, two after it returns. The containers keep running meanwhile; when it is back,
 * every task's report arrives (completed, one run each) and its live log holds every line, once, in order.
 */
class ServerAwayIT extends DeployedFixture {

    private static final Duration AWAY = Duration.ofSeconds(30);
    private static final int SHORT_LINES = 12;
    private static final int LONG_LINES = 45;

    ServerAwayIT() {
        super("away");
    }

    private static String linesScript(int lines) {
        return "i=1; while [ $i -le " + lines + " ]; do echo \"task $N line $i\"; i=$((i+1)); sleep 1; done; echo \"task $N done\"";
    }

    @Test
    void containersKeepRunningWhileTheServerIsAwayAndLogsAndReportsArriveWhenItReturns() throws Exception {
        ServerProcess server = startServer(Map.of("BERTH_DATABASE_URL", databaseUrl()));
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        BerthProcess worker = startWorker(server.rootUrl(), createWorkerClient(root, workerId), workerId, 4, null);

        String group = Slugid.nice();
        List<String> shortTasks = createTasks(root, group, 2, linesScript(SHORT_LINES), 300);
        List<String> longTasks = createTasks(root, group, 2, linesScript(LONG_LINES), 300);
        List<String> all = new ArrayList<>(shortTasks);
        all.addAll(longTasks);

        await("all four running and printing").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(BerthApiException.class) // a live log not created yet answers 404
                .untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as("worker alive:\n%s", worker.output()).isTrue();
                    for (String taskId : all) {
                        TaskStatus s = root.queue().taskStatus(taskId);
                        assertThat(s.state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
                        try (InputStream in = root.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
                            assertThat(LifeSupport.readUntil(in, "line 2\n")).contains("line 2\n");
                        }
                    }
                });

        Instant away = Instant.now();
        server.kill9();
        // the long tasks' containers keep running while nothing answers; the short ones end meanwhile
        Thread.sleep(AWAY.toMillis() - 5_000);
        for (String taskId : longTasks) {
            List<String> ids = containers(LABEL_TASK_ID, taskId);
            assertThat(ids).as("container of %s while the server is away", taskId).hasSize(1);
            assertThat(containerState(ids.get(0))).as("container of %s while the server is away", taskId).isEqualTo("running");
        }
        assertThat(worker.process.isAlive()).as("worker alive while the server is away:\n%s", worker.output()).isTrue();
        Thread.sleep(Math.max(0, AWAY.toMillis() - Duration.between(away, Instant.now()).toMillis()));
        Duration killedFor = Duration.between(away, Instant.now());
        server.start();
        Duration unreachable = Duration.between(away, Instant.now());

        await("every task completed after the server returned").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (String taskId : all) {
                        TaskStatus s = root.queue().taskStatus(taskId);
                        assertThat(s.state()).as(describe(s) + "\nworker output:\n" + worker.output())
                                .isIn(TaskState.COMPLETED, TaskState.FAILED, TaskState.EXCEPTION);
                    }
                });
        Duration reportsBack = Duration.between(away.plus(unreachable), Instant.now());

        for (int i = 0; i < all.size(); i++) {
            String taskId = all.get(i);
            int n = i + 1 - (i < 2 ? 0 : 2); // createTasks numbered each batch from 1
            int lines = i < 2 ? SHORT_LINES : LONG_LINES;
            TaskStatus s = root.queue().taskStatus(taskId);
            assertThat(s.state()).as(describe(s)).isEqualTo(TaskState.COMPLETED);
            assertThat(s.runs()).as("one run only: " + describe(s)).hasSize(1);
            String log;
            try (InputStream in = root.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
                log = LifeSupport.utf8(in.readAllBytes());
            }
            List<String> expected = new ArrayList<>(IntStream.rangeClosed(1, lines).mapToObj(l -> "task " + n + " line " + l).toList());
            expected.add("task " + n + " done");
            List<String> printed = log.lines().filter(l -> l.startsWith("task " + n + " ")).toList();
            assertThat(printed).as("the task's lines in its live log (every line, once, in order):\n%s", log)
                    .containsExactlyElementsOf(expected);
        }
        assertThat(worker.process.isAlive()).isTrue();
        System.out.printf("[figures] server away: killed for %d ms, unreachable %d ms (until healthy again) with 4 tasks "
                        + "running (2 ended while away); all reports in %d ms after it returned; every live-log line "
                        + "delivered once; 1 run per task%n",
                killedFor.toMillis(), unreachable.toMillis(), reportsBack.toMillis());
    }
}
