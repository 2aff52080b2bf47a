package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Feature {@code taskclusterProxy} with {@code berth server} and {@code berth worker} as separate processes, the
 * worker holding only a deployed worker's scopes: whatever the task does through {@code http://taskcluster} it does
 * with the run's credentials, limited to the task's own scopes (and creating its run's artifacts).
 */
class TaskclusterProxyIT extends DeployedFixture {

    TaskclusterProxyIT() {
        super("tcproxy");
    }

    /**
     * A shell function for the task: an HTTP/1.0 request through nc, printing the whole answer (status and body);
     * and $M, so that the section markers the task prints are not in its definition, which it prints too.
     */
    private static final String HTTP_FUNCTION = "M=---; http() { printf '%s %s HTTP/1.0\\r\\nHost: %s\\r\\nContent-Type: %s\\r\\n"
            + "Content-Length: %s\\r\\n\\r\\n%s' \"$1\" \"$2\" \"$3\" \"${4:-application/json}\" \"${#5}\" \"$5\" "
            + "| timeout 20 nc \"$3\" 80; echo; }; ";

    /**
     * A task with the proxy and no scopes of its own: it reads its definition and status with what the anonymous
     * role grants every request, as an unchanged docker-worker task expects.
     */
    private ObjectNode proxyTask(String taskId, String script, int maxRunTime) {
        ObjectNode task = shellTask(HTTP_FUNCTION + script, maxRunTime);
        ((ObjectNode) task.get("payload")).putObject("features").put("taskclusterProxy", true);
        task.putArray("scopes");
        return task;
    }

    private BerthProcess deployedWorker(ServerProcess server, String workerId, int capacity) {
        Credentials creds = createWorkerClient(server.rootClient(), workerId);
        return startWorker(server.rootUrl(), creds, workerId, capacity, null);
    }

    static TaskStatus awaitResolved(BerthClient root, String taskId, BerthProcess worker, Duration atMost) {
        await(taskId + " resolved").atMost(atMost).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(worker.process.isAlive()).as("worker alive; output:\n%s", worker.output()).isTrue();
            TaskStatus s = root.queue().taskStatus(taskId);
            assertThat(s.state()).as(describe(s)).isIn(TaskState.COMPLETED, TaskState.FAILED, TaskState.EXCEPTION);
        });
        return root.queue().taskStatus(taskId);
    }

    static String log(BerthClient root, String taskId) throws Exception {
        try (InputStream in = root.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
            return LifeSupport.utf8(in.readAllBytes());
        }
    }

    @Test
    void aTaskUsesTheQueueWithItsOwnScopesThroughTheProxyAndCreatesAnArtifact() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        BerthProcess worker = deployedWorker(server, workerId, 1);

        // two tasks nobody claims: the task may cancel the first (its scopes say so), not the second
        String group = Slugid.nice();
        String mayCancel = Slugid.nice();
        String mayNot = Slugid.nice();
        for (String victim : new String[] {mayCancel, mayNot}) {
            ObjectNode t = LifeSupport.shellTask("life-it/unclaimed-" + LifeSupport.shortId(), "true", 60);
            t.put("taskGroupId", group);
            t.put("schedulerId", "proxy-it");
            root.queue().createTask(victim, t);
        }

        String taskId = Slugid.nice();
        String expires = Json.format(Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS));
        ObjectNode task = proxyTask(taskId, "echo \"proxy url: $TASKCLUSTER_PROXY_URL\"; "
                + "echo \"$M definition\"; wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID; echo; "
                + "echo \"$M old path\"; wget -qO- http://taskcluster/queue/v1/task/$TASK_ID/status; echo; "
                + "echo \"$M cancel allowed\"; http POST /api/queue/v1/task/" + mayCancel + "/cancel taskcluster; "
                + "echo \"$M cancel refused\"; http POST /api/queue/v1/task/" + mayNot + "/cancel taskcluster; "
                + "echo \"$M create artifact\"; "
                + "R=$(http POST /api/queue/v1/task/$TASK_ID/runs/$RUN_ID/artifacts/public%2Fproxy.txt taskcluster "
                + "application/json '{\"storageType\":\"s3\",\"contentType\":\"text/plain\",\"expires\":\"" + expires + "\"}'); "
                + "echo \"$R\" | head -1; "
                + "PUT=$(echo \"$R\" | sed -n 's/.*\"putUrl\":\"\\([^\"]*\\)\".*/\\1/p'); "
                + "echo \"$M upload\"; http PUT \"${PUT#$TASKCLUSTER_ROOT_URL}\" taskcluster text/plain 'made through the proxy' | head -1; "
                + "echo \"$M end\"", 120);
        task.put("taskGroupId", group);
        task.put("schedulerId", "proxy-it");
        ((com.fasterxml.jackson.databind.node.ArrayNode) task.get("scopes")).add("queue:cancel-task:proxy-it/" + group + "/" + mayCancel);
        root.queue().createTask(taskId, task);

        TaskStatus s = awaitResolved(root, taskId, worker, Duration.ofSeconds(120));
        String log = log(root, taskId);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        assertThat(log).contains("proxy url: http://taskcluster");

        String definition = between(log, "--- definition", "--- old path");
        JsonNode printed = Json.tree(definition.strip());
        assertThat(printed.path("taskQueueId").asText()).isEqualTo(taskQueueId);
        assertThat(printed.path("scopes").get(0).asText()).isEqualTo("queue:cancel-task:proxy-it/" + group + "/" + mayCancel);
        assertThat(between(log, "--- old path", "--- cancel allowed")).contains("\"taskId\":\"" + taskId + "\"");

        // the worker holds no cancel scope: the run's credentials carry the task's own scopes
        assertThat(between(log, "--- cancel allowed", "--- cancel refused")).contains("HTTP/1.1 200");
        assertThat(root.queue().taskStatus(mayCancel).state()).isEqualTo(TaskState.EXCEPTION);
        assertThat(run(root.queue().taskStatus(mayCancel), 0).reasonResolved()).isEqualTo(ReasonResolved.CANCELED);
        String refused = between(log, "--- cancel refused", "--- create artifact");
        assertThat(refused).as("the server's refusal, not the proxy's").contains("HTTP/1.1 403").contains("InsufficientScopes")
                .contains("queue:cancel-task:proxy-it/" + group + "/" + mayNot);
        assertThat(root.queue().taskStatus(mayNot).state()).isEqualTo(TaskState.PENDING);

        assertThat(between(log, "--- create artifact", "--- upload")).contains("HTTP/1.1 200");
        assertThat(between(log, "--- upload", "--- end")).contains("HTTP/1.1 200");
        try (InputStream in = root.queue().getArtifact(taskId, 0, "public/proxy.txt")) {
            assertThat(LifeSupport.utf8(in.readAllBytes())).isEqualTo("made through the proxy");
        }
        assertThat(log).doesNotContain("accessToken").doesNotContain("Hawk id=");
    }

    @Test
    void theProxyFollowsTheRunsCredentialsAcrossReclaims() throws Exception {
        // claims of 10 s: the credentials of the first claim have expired long before the task calls
        ServerProcess server = startServer(Map.of("BERTH_CLAIM_TIMEOUT", "10"));
        BerthClient root = server.rootClient();
        BerthProcess worker = deployedWorker(server, workerId("w"), 1);

        String taskId = Slugid.nice();
        root.queue().createTask(taskId, proxyTask(taskId, "wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID/status; echo; "
                + "sleep 20; echo \"$M after reclaims\"; wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID/status; echo; "
                + "echo \"$M end\"", 120));
        Instant firstTakenUntil = await("claimed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    var r0 = run(root.queue().taskStatus(taskId), 0);
                    return r0 == null ? null : r0.takenUntil();
                }, java.util.Objects::nonNull);

        TaskStatus s = awaitResolved(root, taskId, worker, Duration.ofSeconds(120));
        String log = log(root, taskId);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        String after = between(log, "--- after reclaims", "--- end");
        assertThat(after).contains("\"taskId\":\"" + taskId + "\"").contains("\"state\":\"running\"");
        Matcher until = Pattern.compile("\"takenUntil\":\"([^\"]+)\"").matcher(after);
        assertThat(until.find()).isTrue();
        assertThat(Instant.parse(until.group(1))).as("the run was reclaimed in between").isAfter(firstTakenUntil.plusSeconds(8));
    }

    @Test
    void aTaskOnAnotherRunNetworkCannotUseTheFirstRunsProxy() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        BerthProcess worker = deployedWorker(server, workerId("w"), 2);

        String first = Slugid.nice();
        root.queue().createTask(first, proxyTask(first, "echo \"gateway $(awk '$2 == \"taskcluster\" {print $1}' /etc/hosts | head -1) end\"; "
                + "sleep 120", 180));
        String gateway = await("the first task's gateway in its log").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    try (InputStream in = root.queue().getLatestArtifact(first, "public/logs/live.log")) {
                        Matcher m = Pattern.compile("gateway ([0-9.]+)\\s*end").matcher(LifeSupport.readUntil(in, " end"));
                        return m.find() ? m.group(1) : null;
                    } catch (RuntimeException notYet) {
                        return null;
                    }
                }, java.util.Objects::nonNull);

        String second = Slugid.nice();
        root.queue().createTask(second, proxyTask(second, "echo \"$M other run\"; "
                + "http GET /api/queue/v1/task/" + first + " " + gateway + "; "
                + "echo \"$M own\"; http GET /api/queue/v1/task/$TASK_ID/status taskcluster; echo \"$M end\"; "
                + "time sh -c 'for i in $(seq 20); do wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID/status >/dev/null; done' 2>&1", 60));
        TaskStatus s = awaitResolved(root, second, worker, Duration.ofSeconds(90));
        String log = log(root, second);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        assertThat(between(log, "--- other run", "--- own")).contains("HTTP/1.1 403").contains("RequestRefused")
                .doesNotContain("\"taskQueueId\"");
        assertThat(between(log, "--- own", "--- end")).contains("\"taskId\":\"" + second + "\"");
        Matcher took = Pattern.compile("real\\s+(\\d+)m ([0-9.]+)s").matcher(log);
        if (took.find()) {
            double ms = (Integer.parseInt(took.group(1)) * 60 + Double.parseDouble(took.group(2))) * 1000 / 20;
            System.out.printf("[figures] taskclusterProxy: 20 getStatus calls from a busybox task, wget each: %.1f ms per call%n", ms);
        }
        root.queue().cancelTask(first);
        awaitResolved(root, first, worker, Duration.ofSeconds(30));
    }

    static String between(String text, String from, String to) {
        int a = text.indexOf(from);
        int b = text.indexOf(to, Math.max(a, 0));
        assertThat(a).as("'%s' in:\n%s", from, text).isNotNegative();
        assertThat(b).as("'%s' after '%s' in:\n%s", to, from, text).isGreaterThan(a);
        return text.substring(a + from.length(), b);
    }
}
