package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import dev.berth.worker.runtime.docker.EngineLink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker adapter and the worker when the engine goes away and comes back, seen through a relay
 * to the real engine that the test cuts ({@link EngineLink}): the shared engine itself is never
 * restarted here (the process-level restart test lives in berth-it).
 */
class WorkerEngineOutageIT {

    private final String workerId = "it-outage-" + UUID.randomUUID().toString().substring(0, 8);
    private final FakeWorkQueue queue = new FakeWorkQueue();
    private DockerContainerRuntime direct;
    private EngineLink link;
    private DockerContainerRuntime linked;
    private Worker worker;

    @TempDir
    Path dataDir;

    @BeforeEach
    void start() throws Exception {
        direct = DockerTestSupport.runtime();
        link = new EngineLink(System.getenv().getOrDefault("BERTH_DOCKER_HOST", DockerRuntimeConfig.DEFAULT_HOST));
        linked = new DockerContainerRuntime(new DockerRuntimeConfig(link.dockerHost(), false, null, List.of(),
                Duration.ofSeconds(30)));
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.shutdown(Duration.ofSeconds(20));
        link.close();
        linked.close();
        direct.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).forEach(c -> direct.removeContainer(c.id()));
        direct.close();
    }

    @Test
    void theAdapterSaysTheEngineWentAwayInsteadOfReportingAnExit() throws Exception {
        linked.ping();
        String id = linked.createContainer(new dev.berth.worker.runtime.ContainerSpec(TEST_IMAGE, List.of("sleep", "300"),
                Map.of(), Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId), Fixtures.LIMITS, null, null, List.of()));
        linked.startContainer(id);
        var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> linked.awaitExit(id, Duration.ofMinutes(5)));
        Thread.sleep(500);

        link.down();

        assertThat(waiting).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingRootCause().isNotNull();
        assertThatThrownBy(waiting::join).hasCauseInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("went away");
        assertThatThrownBy(linked::ping).isInstanceOf(EngineUnavailableException.class);
        assertThatThrownBy(() -> linked.startContainer(id)).isInstanceOf(EngineUnavailableException.class);

        link.up();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(linked::ping);
        linked.removeContainer(id);
    }

    @Test
    void aRunCaughtByTheOutageIsHandedBackAndTheWorkerClaimsAgainWhenTheEngineReturns() throws Exception {
        WorkerConfig config = new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "it", workerId, 1,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 0, null, null);
        worker = Worker.builder(config).queue(queue).runtime(linked).build();
        worker.start();
        ClaimedRun first = enqueue("echo started; sleep 300");
        await().atMost(Duration.ofSeconds(30)).until(() -> queue.reporter(first.taskId()) != null
                && queue.reporter(first.taskId()).logContains("started"));

        link.down();

        await().atMost(Duration.ofSeconds(15)).until(() -> !queue.reporter(first.taskId()).resolutions.isEmpty());
        assertThat(queue.reporter(first.taskId()).resolutions).containsExactly("exception/worker-shutdown");
        assertThat(queue.reporter(first.taskId()).log()).contains("Docker engine").contains("went away");
        await().atMost(Duration.ofSeconds(10)).until(worker::isPausedForEngine);
        ClaimedRun second = enqueue("echo second; exit 0");
        Thread.sleep(1500);
        assertThat(queue.pending).containsExactly(second);

        link.up();

        await().atMost(Duration.ofSeconds(30)).until(() -> queue.reporter(second.taskId()) != null
                && queue.reporter(second.taskId()).resolutions.contains("completed"));
        assertThat(worker.isPausedForEngine()).isFalse();
        // the first run's container (alive here: only the link broke) was removed once the engine answered
        await().atMost(Duration.ofSeconds(10)).until(() ->
                direct.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, first.taskId())).isEmpty());
    }

    private ClaimedRun enqueue(String script) {
        ClaimedRun run = Fixtures.run("{\"image\":\"" + TEST_IMAGE + "\",\"command\":[\"sh\",\"-c\",\"" + script
                + "\"],\"maxRunTime\":600}");
        queue.pending.add(run);
        return run;
    }
}
