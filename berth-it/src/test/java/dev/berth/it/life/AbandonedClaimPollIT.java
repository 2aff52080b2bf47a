package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker goes away (its connection closed, as when its process is killed) while its claimWork long poll
 * waits on the server. A task created afterwards must not be claimed for it: the server notices the closed
 * connection (or hands the claim back at once), and another worker runs the task within seconds — not after
 * the 20-minute default claim expires.
 */
// alone (berth-it/pom.xml): its 30 s bound includes a worker JVM start, which a busy neighbour can slow past it
@Tag("serial")
class AbandonedClaimPollIT extends DeployedFixture {

    AbandonedClaimPollIT() {
        super("abandon");
    }

    @Test
    void aTaskCreatedAfterAWorkersLongPollWasAbandonedGoesToAnotherWorkerWithinSeconds() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String goneId = workerId("gone");
        Credentials gone = createWorkerClient(root, goneId);

        // the gone worker's long poll: a raw HTTP/1.1 request, as its process sent it, then its socket closes
        URI url = URI.create(server.rootUrl() + "/api/queue/v1/claim-work/" + taskQueueId.replace("/", "%2F") + "?wait=20");
        byte[] body = Json.MAPPER.writeValueAsBytes(
                Map.of("workerGroup", LifeSupport.WORKER_GROUP, "workerId", goneId, "tasks", 1));
        try (Socket socket = new Socket("127.0.0.1", url.getPort())) {
            String head = "POST " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\n"
                    + "Host: " + url.getHost() + ":" + url.getPort() + "\r\n"
                    + "Authorization: " + Hawk.header("POST", url, gone.clientId(), gone.accessToken(), null, null) + "\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            Thread.sleep(1_000); // the poll reaches the server and waits there (nothing is pending)
            assertThat(socket.getInputStream().available()).as("the long poll is still open (no answer yet)").isZero();
        }
        anotherWorkerRunsATaskCreatedNow(server, root, goneId, "raw claimWork?wait=20, socket closed", Instant.now());
    }

    @Test
    void aTaskCreatedAfterAWorkerProcessWasKilledDuringItsLongPollGoesToAnotherWorkerWithinSeconds() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String goneId = workerId("gone");
        BerthProcess gone = startWorker(server.rootUrl(), createWorkerClient(root, goneId), goneId, 1, null);
        await("the worker process polls for work").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(gone.output()).contains("claiming from"));
        Thread.sleep(2_000); // its first long poll is open on the server (the queue is empty)
        gone.kill9();
        anotherWorkerRunsATaskCreatedNow(server, root, goneId, "berth worker process, SIGKILL", Instant.now());
    }

    /** Creates a task, starts another worker and checks that it, not the gone worker, runs the task. */
    private void anotherWorkerRunsATaskCreatedNow(ServerProcess server, BerthClient root, String goneId, String how,
            Instant closed) {
        String taskId = Slugid.nice();
        root.queue().createTask(taskId, shellTask("echo started; sleep 600", 900));

        String otherId = workerId("other");
        BerthProcess other = startWorker(server.rootUrl(), createWorkerClient(root, otherId), otherId, 1, null);
        await("the task running on the other worker").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(other.process.isAlive()).as("other worker alive:\n%s", other.output()).isTrue();
                    TaskStatus s = root.queue().taskStatus(taskId);
                    Run latest = s.runs().get(s.runs().size() - 1);
                    assertThat(latest.state()).as(describe(s)).isEqualTo(TaskState.RUNNING);
                    assertThat(latest.workerId()).as(describe(s)).isEqualTo(otherId);
                });
        Duration took = Duration.between(closed, Instant.now());
        TaskStatus s = root.queue().taskStatus(taskId);
        Run r0 = run(s, 0);
        System.out.printf("[figures] abandoned long poll (%s): task running on another worker %d ms after the poll's "
                        + "connection closed (incl. that worker's JVM start); runs: %s%n", how, took.toMillis(), describe(s));
        if (goneId.equals(r0.workerId())) {
            // the other accepted outcome: claimed for the gone worker but handed back at once, and retried
            assertThat(r0.state()).as("a claim for the gone worker is handed back: " + describe(s)).isEqualTo(TaskState.EXCEPTION);
            assertThat(r0.reasonResolved()).as(describe(s)).isEqualTo(ReasonResolved.WORKER_SHUTDOWN);
        }
        root.queue().cancelTask(taskId);
    }
}
