package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.scale.ScaleOut;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.SignedHttp;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real Docker worker against a server whose artifacts live in S3 (S3Proxy from scripts/s3.sh): the
 * worker PUTs its artifact to the presigned putUrl, appends its live log through the server's appendUrl,
 * and readers are sent to the bucket with a 303 for both once the task is done.
 */
class DockerWorkerOnS3IT {

    private BerthServer server;
    private LifeSupport.BerthProcess worker;
    private String workerId;

    @AfterEach
    void stop() {
        if (worker != null) worker.close();
        if (workerId != null) LifeSupport.removeContainers(LifeSupport.LABEL_WORKER_ID, workerId);
        if (server != null) server.close();
    }

    @Test
    void workerUploadsToTheBucketAndReadersAreRedirectedThere() throws Exception {
        LifeSupport.requireDocker();
        Path dir = Files.createTempDirectory("berth-worker-s3");
        Map<String, String> env = new HashMap<>(ScaleOut.s3Env("berth-worker-" + UUID.randomUUID().toString().substring(0, 13)));
        env.put("BERTH_PORT", "0");
        env.put("BERTH_DATA_DIR", dir.resolve("server").toString());
        server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
        String queue = dev.berth.testing.TaskFixtures.uniqueQueue();
        workerId = "s3-" + LifeSupport.shortId();
        worker = LifeSupport.startWorker(server, dir, queue, workerId);
        BerthClient client = LifeSupport.rootClient(server);

        String taskId = Slugid.nice();
        ObjectNode task = LifeSupport.shellTask(queue, "echo hello-from-the-container; echo the-artifact > /out.txt", 60);
        ((ObjectNode) task.get("payload")).putObject("artifacts").putObject("public/out.txt")
                .put("type", "file").put("path", "/out.txt");
        client.queue().createTask(taskId, task);

        await("task completed").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            assertThat(worker.process.isAlive()).as("worker alive; output:\n%s", worker.output()).isTrue();
            TaskStatus s = client.queue().taskStatus(taskId);
            assertThat(s.state()).as(LifeSupport.describe(s)).isEqualTo(TaskState.COMPLETED);
        });

        String s3 = ScaleOut.env("BERTH_TEST_S3_ENDPOINT", "http://127.0.0.1:9500");
        SignedHttp anonymous = SignedHttp.anonymous(server.rootUrl());
        for (String name : new String[] {"public/out.txt", "public/logs/live.log"}) {
            SignedHttp.Response r = anonymous.get("/api/queue/v1/task/" + taskId + "/runs/0/artifacts/" + name);
            assertThat(r.status()).as("%s: %s", name, r).isEqualTo(303);
            assertThat(r.header("Location")).startsWith(s3);
        }
        try (InputStream in = client.queue().getArtifact(taskId, 0, "public/out.txt")) {
            assertThat(LifeSupport.utf8(in.readAllBytes())).isEqualTo("the-artifact\n");
        }
        try (InputStream in = client.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
            assertThat(LifeSupport.utf8(in.readAllBytes())).contains("hello-from-the-container");
        }
    }
}
