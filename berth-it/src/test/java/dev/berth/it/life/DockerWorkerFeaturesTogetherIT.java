package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.containers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.it.life.LifeSupport.BerthProcess;
import dev.berth.testing.TaskBodies;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The "done when": a docker-worker task definition with {@code features: {taskclusterProxy, interactive,
 * allowPtrace}} runs unchanged on {@code berth worker} holding only a deployed worker's scopes, and
 * {@code berth task shell} — from a machine that reaches only the server — opens a shell in it.
 */
class DockerWorkerFeaturesTogetherIT extends DeployedFixture {

    private static final String PTRACE_IMAGE = "berth-test/ptrace:latest";

    DockerWorkerFeaturesTogetherIT() {
        super("features");
    }

    @Test
    void aTaskWithTheProxyAnInteractiveShellAndPtraceRunsAndBerthTaskShellReachesItThroughTheServer() throws Exception {
        LifeSupport.docker("image", "inspect", PTRACE_IMAGE);
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        Credentials creds = createWorkerClient(root, workerId);
        BerthProcess worker = startWorker(server.rootUrl(), creds, workerId, 1, null);

        String taskId = Slugid.nice();
        // as a docker-worker task is written: only the feature scope allowPtrace needs, nothing for the proxy
        ObjectNode task = TaskBodies.on(taskQueueId).image(PTRACE_IMAGE).shell(
                "(wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID | grep -q \"$TASK_ID\" && echo proxy-ok; "
                        + "/bin/ptrace-sibling other-user && echo ptrace-ok; echo ready) > /tmp/checks 2>&1; sleep 600")
                .maxRunTime(900).build();
        ObjectNode features = ((ObjectNode) task.get("payload")).putObject("features");
        features.put("taskclusterProxy", true).put("interactive", true).put("allowPtrace", true);
        task.putArray("scopes").add("docker-worker:feature:allowPtrace");
        root.queue().createTask(taskId, task);

        await("the task's shell is served").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as("worker alive; output:\n%s", worker.output()).isTrue();
                    assertThat(root.get("berth", "/shell/" + taskId + "/0").path("workerConnected").asBoolean()).isTrue();
                });

        // the CLI as a person on another machine runs it: the server's URL and the person's credentials, nothing else
        Map<String, String> env = new HashMap<>();
        env.put("TASKCLUSTER_ROOT_URL", server.rootUrl());
        env.put("TASKCLUSTER_CLIENT_ID", root.credentials().clientId());
        env.put("TASKCLUSTER_ACCESS_TOKEN", root.credentials().accessToken());
        LifeSupport.Result shell = LifeSupport.run(LifeSupport.berth(dir, env, "task", "shell", taskId, "--no-tty", "--",
                "sh", "-c", "until grep -q ready /tmp/checks 2>/dev/null; do sleep 0.2; done; cat /tmp/checks; echo shell-ok"),
                Duration.ofSeconds(90));
        assertThat(shell.exitCode()).as("%s", shell).isZero();
        // what the task itself did: read its own definition through the proxy, ptrace a sibling of another user
        assertThat(shell.out()).as("%s", shell).contains("proxy-ok").contains("ptrace-ok").contains("shell-ok");

        root.queue().cancelTask(taskId);
        await("the cancelled task's container stops").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(containers(LABEL_TASK_ID, taskId).stream()
                        .map(LifeSupport::containerState).filter("running"::equals)).isEmpty());
    }
}
