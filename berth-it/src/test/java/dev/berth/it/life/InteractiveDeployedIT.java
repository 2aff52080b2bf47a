package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_TASK_ID;
import static dev.berth.it.life.LifeSupport.containers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.ShellSocket;
import dev.berth.core.auth.Slugid;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code features: {interactive: true}} with {@code berth server} and {@code berth worker} as separate processes,
 * the worker holding only the README's scopes: a person who reaches only the server runs {@code echo} in the task's
 * container and sees its output and exit code.
 */
class InteractiveDeployedIT extends DeployedFixture {

    InteractiveDeployedIT() {
        super("shell");
    }

    @Test
    void aShellThroughTheServerRunsEchoInTheTaskOfAWorkerHoldingOnlyTheReadmeScopes() throws Exception {
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        String workerId = workerId("w");
        Credentials creds = createWorkerClient(root, workerId);
        BerthProcess worker = startWorker(server.rootUrl(), creds, workerId, 1, null);

        String taskId = Slugid.nice();
        ObjectNode task = shellTask("echo started; sleep 300", 600);
        ((ObjectNode) task.get("payload")).putObject("features").put("interactive", true);
        root.queue().createTask(taskId, task);
        await("the run's worker connected to the shell relay").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(worker.process.isAlive()).as("worker alive; output:\n%s", worker.output()).isTrue();
                    assertThat(root.get("berth", "/shell/" + taskId + "/0").path("workerConnected").asBoolean())
                            .as("worker output:\n%s", worker.output()).isTrue();
                });

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Integer> stopped = new CompletableFuture<>();
        ShellSocket.Listener listener = new ShellSocket.Listener() {
            @Override
            public synchronized void output(boolean stderr, byte[] data) { out.writeBytes(data); }

            @Override
            public void stopped(int exitCode) { stopped.complete(exitCode); }

            @Override
            public void error(String message) { stopped.completeExceptionally(new AssertionError(message)); }

            @Override
            public void closed(int status, String reason) { }
        };
        long opened = System.nanoTime();
        try (ShellSocket s = ShellSocket.open(ShellSocket.url(server.rootUrl(), taskId, 0, List.of("echo", "hello"), false),
                root.credentials(), listener)) {
            assertThat(stopped.get(30, TimeUnit.SECONDS)).isZero();
            System.out.println("shell session (open, docker exec echo, stopped) took "
                    + (System.nanoTime() - opened) / 1_000_000 + " ms");
        }
        synchronized (listener) {
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
        }

        root.queue().cancelTask(taskId);
        await("the cancelled task's container stops").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(containers(LABEL_TASK_ID, taskId).stream()
                        .map(LifeSupport::containerState).filter("running"::equals)).isEmpty());
    }
}
