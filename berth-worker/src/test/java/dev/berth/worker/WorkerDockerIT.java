package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.run.RecordingReporter;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The claim loop with real containers (the queue is still a fake: see WorkerAgainstServerIT for both). */
class WorkerDockerIT {

    private final String workerId = "it-loop-" + UUID.randomUUID().toString().substring(0, 8);
    private final FakeWorkQueue queue = new FakeWorkQueue();
    private DockerContainerRuntime runtime;
    private Worker worker;

    @TempDir
    Path dataDir;

    @BeforeEach
    void startWorker() {
        runtime = DockerTestSupport.runtime();
        WorkerConfig config = new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "it", workerId, 2,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 0, null, null);
        // the default timing: a status poll each second, as in production
        worker = Worker.builder(config).queue(queue).runtime(runtime).build();
        worker.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.shutdown(Duration.ofSeconds(20));
        if (runtime != null) {
            runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId))
                    .forEach(c -> runtime.removeContainer(c.id()));
            runtime.close();
        }
    }

    private ClaimedRun enqueue(String script, int maxRunTime) {
        ClaimedRun run = Fixtures.run("{\"image\":\"" + TEST_IMAGE + "\",\"command\":[\"sh\",\"-c\",\"" + script
                + "\"],\"maxRunTime\":" + maxRunTime + "}");
        queue.pending.add(run);
        return run;
    }

    private RecordingReporter reporterOf(ClaimedRun run) {
        await().atMost(Duration.ofSeconds(30)).until(() -> queue.reporter(run.taskId()) != null);
        return queue.reporter(run.taskId());
    }

    private boolean containerOf(ClaimedRun run) {
        return !runtime.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, run.taskId())).isEmpty();
    }

    @Test
    void runsTasksToTheirEnd() {
        ClaimedRun failing = enqueue("echo hi; exit 3", 60);
        ClaimedRun passing = enqueue("echo fine", 60);
        RecordingReporter failed = reporterOf(failing);
        RecordingReporter completed = reporterOf(passing);
        await().atMost(Duration.ofSeconds(60)).until(() -> !failed.resolutions.isEmpty() && !completed.resolutions.isEmpty());
        assertThat(failed.resolutions).containsExactly("failed");
        assertThat(failed.log()).contains("hi\n");
        assertThat(completed.resolutions).containsExactly("completed");
        await().until(() -> worker.runningCount() == 0);
        assertThat(containerOf(failing)).isFalse();
    }

    @Test
    void aCancelledRunsContainerIsStoppedWithinFiveSeconds() {
        ClaimedRun run = enqueue("echo started; sleep 300", 600);
        RecordingReporter reporter = reporterOf(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> reporter.logContains("started"));

        Instant cancelled = Instant.now();
        queue.cancelled.add(run.taskId());
        await().atMost(Duration.ofSeconds(5)).until(() -> !containerOf(run));
        assertThat(Duration.between(cancelled, Instant.now())).isLessThan(Duration.ofSeconds(5));
        await().until(() -> worker.runningCount() == 0);
        assertThat(reporter.resolutions).isEmpty();
    }

    @Test
    void shutdownHandsRunningTasksBack() {
        ClaimedRun run = enqueue("echo started; sleep 300", 600);
        RecordingReporter reporter = reporterOf(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> reporter.logContains("started"));

        assertThat(worker.shutdown(Duration.ofSeconds(20))).isTrue();
        assertThat(reporter.resolutions).containsExactly("exception/worker-shutdown");
        assertThat(containerOf(run)).isFalse();
        worker = null;
    }

    @Test
    void leftoversOfAnEarlierLifeAreRemovedAtStart() throws Exception {
        ClaimedRun run = enqueue("sleep 300", 600);
        reporterOf(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> containerOf(run));
        // a crash: the containers stay; the next life under the same id cleans up before claiming
        WorkerConfig config = new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "it", workerId, 1,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 0, null, null);
        Worker next = Worker.builder(config).queue(new FakeWorkQueue()).runtime(runtime).build();
        next.start();
        assertThat(containerOf(run)).isFalse();
        next.shutdown(Duration.ofSeconds(5));
    }
}
