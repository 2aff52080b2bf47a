package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static dev.berth.it.life.LifeSupport.containers;
import static dev.berth.it.life.LifeSupport.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.ClientScript;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real taskcluster-client seals and cancels a group of 50 tasks that {@code berth worker} (holding only
 * the README's scopes, default timeouts) is running (src/test/js/task-groups.js): every task ends
 * exception/canceled, the worker stops the containers of the runs it had, and it goes on taking work.
 */
class TaskGroupClientIT extends DeployedFixture {

    TaskGroupClientIT() {
        super("groups");
    }

    @Test
    void aSealedGroupOfFiftyTasksIsCanceledWhileAWorkerRunsThem() throws Exception {
        ServerProcess server = startServer(Map.of("BERTH_DATABASE_URL", databaseUrl()));
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        Credentials creds = createWorkerClient(root, workerId);
        BerthProcess worker = startWorker(server.rootUrl(), creds, workerId, 2, null);
        String taskGroupId = Slugid.nice();

        Credentials rootCreds = server.rootCredentials();
        ClientScript.Output out = ClientScript.of("task-groups.js")
                .against(server.rootUrl(), rootCreds.clientId(), rootCreds.accessToken())
                .env("BERTH_TASK_QUEUE", taskQueueId).env("BERTH_TASK_GROUP", taskGroupId)
                .runPassing(600);
        assertThat(out.oks()).as(out.text()).hasSize(7);
        List<String> running = out.text().lines().filter(l -> l.startsWith("running: "))
                .flatMap(l -> Arrays.stream(l.substring("running: ".length()).split(" "))).toList();
        assertThat(running).as(out.text()).isNotEmpty();

        await("the worker stops the containers of the canceled runs").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(containers(LABEL_WORKER_ID, workerId)).as(worker.output()).isEmpty());
        for (String taskId : running) assertThat(containers(LABEL_TASK_ID, taskId)).isEmpty();

        String after = Slugid.nice();
        root.queue().createTask(after, shellTask("echo after the cancel", 60));
        await("the worker goes on taking work").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as(worker.output()).isTrue();
                    TaskStatus s = root.queue().taskStatus(after);
                    assertThat(s.state()).as(describe(s) + "\n" + worker.output()).isEqualTo(TaskState.COMPLETED);
                });
    }
}
