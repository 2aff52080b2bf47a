package dev.berth.worker.run;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whole runs against the real Docker engine with the locally built busybox image. */
class TaskRunnerIT {

    private static final String WORKER_ID = "it-runner-" + UUID.randomUUID().toString().substring(0, 8);
    private static final PayloadValidator VALIDATOR = new PayloadValidator();

    private static DockerContainerRuntime runtime;
    private final RecordingReporter reporter = new RecordingReporter();

    @BeforeAll
    static void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (runtime == null) return;
        // every run removes its container; anything left here is a leak
        List<ContainerSummary> leaked = runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID));
        new LeftoverCleaner(runtime).removeLeftovers(WORKER_ID);
        runtime.close();
        assertThat(leaked).as("containers left behind by runs").isEmpty();
    }

    private static String payload(String command, String extra) {
        return "{\"image\":\"" + TEST_IMAGE + "\",\"command\":[\"sh\",\"-c\"," + quote(command) + "]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static String quote(String s) {
        return dev.berth.core.json.Json.write(s);
    }

    private RunOutcome run(String payload) {
        return run(Fixtures.run(payload), Fixtures.LIMITS);
    }

    private RunOutcome run(ClaimedRun claimed, ResourceLimits limits) {
        return new TaskRunner(runtime, Fixtures.settings(WORKER_ID, limits), VALIDATOR, claimed, reporter).run();
    }

    private static int indexOfChunkContaining(List<RecordingReporter.Chunk> chunks, String text) {
        for (int i = 0; i < chunks.size(); i++) {
            if (new String(chunks.get(i).bytes(), StandardCharsets.UTF_8).contains(text)) return i;
        }
        return -1;
    }

    @Test
    void outputReachesTheLogLiveBeforeTheContainerExits() {
        RunOutcome outcome = run(payload("echo first-line; sleep 2; echo second-line", "\"maxRunTime\":30"));

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        assertThat(reporter.resolutions).containsExactly("completed");
        List<RecordingReporter.Chunk> chunks = reporter.chunks;
        int first = indexOfChunkContaining(chunks, "first-line");
        int second = indexOfChunkContaining(chunks, "second-line");
        assertThat(first).isNotNegative();
        assertThat(second).isGreaterThan(first);
        // the first line was passed on while the task was still sleeping, not at exit
        long gapMillis = TimeUnit.NANOSECONDS.toMillis(chunks.get(second).atNanos() - chunks.get(first).atNanos());
        assertThat(gapMillis).isGreaterThan(1000);
        String log = reporter.log();
        assertThat(log).startsWith("[berth] task ").contains("image " + TEST_IMAGE).contains("[berth] exit code 0");
    }

    @Test
    void exitStatusesMapToResolutions() {
        assertThat(run(payload("exit 0", "\"maxRunTime\":30")).resolution()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        assertThat(run(payload("exit 3", "\"maxRunTime\":30")).resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        RunOutcome retry = run(payload("exit 36", "\"maxRunTime\":30,\"onExitStatus\":{\"retry\":[36]}"));
        assertThat(retry.resolution()).isEqualTo(RunOutcome.Resolution.EXCEPTION);
        assertThat(reporter.resolutions).containsExactly("completed", "failed", "exception/intermittent-task");
        assertThat(reporter.log()).contains("[berth] exit code 3").contains("listed in onExitStatus.retry");
    }

    @Test
    void aTaskThatKillsItselfFailsWithItsExitCode() {
        // not the engine's doing: no retry, the task's own exit code (the inner shell's SIGKILL, 128 + 9;
        // PID 1 cannot be killed from inside, and a last command would be exec'd as PID 1)
        RunOutcome outcome = run(payload("echo before; sh -c 'kill -9 $$'; exit $?", "\"maxRunTime\":30"));

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(outcome.exitCode()).isEqualTo(137L);
        assertThat(reporter.resolutions).containsExactly("failed");
        assertThat(reporter.log()).contains("before").contains("[berth] exit code 137").doesNotContain("Docker engine stopped");
    }

    @Test
    void reservedEnvOverridesThePayload() {
        ClaimedRun claimed = Fixtures.run(payload("env", "\"maxRunTime\":30,\"env\":{\"TASK_ID\":\"forged\",\"MY_VAR\":\"mine\"}"));
        run(claimed, Fixtures.LIMITS);

        assertThat(reporter.log()).contains("TASK_ID=" + claimed.taskId() + "\n").contains("RUN_ID=0\n")
                .contains("MY_VAR=mine\n").contains("TASKCLUSTER_WORKER_ID=" + WORKER_ID + "\n").doesNotContain("forged");
    }

    @Test
    void maxRunTimeKillsTheContainerFailsTheRunAndStillUploadsArtifacts() {
        RunOutcome outcome = run(payload("echo partial > /tmp/out.txt; echo started; sleep 60",
                "\"maxRunTime\":2,\"artifacts\":{\"public/out.txt\":{\"type\":\"file\",\"path\":\"/tmp/out.txt\"}}"));

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(reporter.log()).contains("started\n").contains("[berth] maxRunTime of 2s exceeded: the container was killed");
        assertThat(reporter.artifacts.get("public/out.txt").text()).isEqualTo("partial\n");
        assertThat(reporter.artifacts.get("public/out.txt").contentType()).startsWith("text/plain");
    }

    @Test
    void outOfMemoryIsReportedFromTheEngineState() {
        ResourceLimits tight = new ResourceLimits(8L << 20, 0, 64);
        // tail keeps the whole newline-free input in memory: far more than 8 MiB
        RunOutcome outcome = run(Fixtures.run(payload("head -c 100m /dev/zero | tail", "\"maxRunTime\":60")), tight);

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(reporter.log()).contains("[berth] killed: out of memory (limit 8 MiB)");
    }

    @Test
    void fileAndDirectoryArtifactsAndAMissingPath() {
        RunOutcome outcome = run(payload(
                "mkdir -p /out/sub && echo A > /out/a.txt && echo '{}' > /out/sub/b.json && seq 1 100000 > /big.log",
                "\"maxRunTime\":30,\"artifacts\":{"
                        + "\"public/out\":{\"type\":\"directory\",\"path\":\"/out\"},"
                        + "\"public/big.log\":{\"type\":\"file\",\"path\":\"/big.log\"},"
                        + "\"public/missing.txt\":{\"type\":\"file\",\"path\":\"/not/there.txt\"}}"));

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        assertThat(reporter.artifacts).containsOnlyKeys("public/out/a.txt", "public/out/sub/b.json", "public/big.log");
        assertThat(reporter.artifacts.get("public/out/a.txt").text()).isEqualTo("A\n");
        assertThat(reporter.artifacts.get("public/out/sub/b.json").contentType()).isEqualTo("application/json");
        assertThat(reporter.artifacts.get("public/big.log").content()).hasSize(588895);
        RecordingReporter.ErrorArtifact missing = reporter.errorArtifacts.get("public/missing.txt");
        assertThat(missing.reason()).isEqualTo("file-missing-on-worker");
        assertThat(missing.message()).contains("/not/there.txt");
        assertThat(reporter.log()).contains("/not/there.txt does not exist in the container");
    }

    @Test
    void imageThatCannotBeHadGivesAClearMessageAndStartsNothing() {
        RunOutcome outcome = run("{\"image\":\"berth-test/no-such-image:1\",\"command\":[\"true\"],\"maxRunTime\":10}");

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.EXCEPTION);
        // not found → malformed-payload; registry unreachable (as on this registry-less machine) → resource-unavailable
        assertThat(reporter.resolutions).singleElement().isIn("exception/malformed-payload", "exception/resource-unavailable");
        assertThat(reporter.log()).containsPattern("\\[berth\\] image berth-test/no-such-image:1 (not found|cannot be pulled)");
    }

    @Test
    void malformedPayloadIsListedInTheLog() {
        RunOutcome outcome = run("{\"image\":\"" + TEST_IMAGE + "\",\"maxRunTime\":\"soon\",\"command\":[1]}");

        assertThat(outcome.exceptionReason().wire()).isEqualTo("malformed-payload");
        assertThat(reporter.log()).contains("/maxRunTime").contains("/command/0");
    }

    @Test
    void cancelKillsTheContainerPromptlyAndReportsNothing() throws Exception {
        ClaimedRun claimed = Fixtures.run(payload("echo running; sleep 120",
                "\"maxRunTime\":300,\"artifacts\":{\"public/x\":{\"type\":\"file\",\"path\":\"/bin/busybox\"}}"));
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings(WORKER_ID), VALIDATOR, claimed, reporter);
        CompletableFuture<RunOutcome> running = CompletableFuture.supplyAsync(runner::run);
        await().atMost(Duration.ofSeconds(30)).until(() -> reporter.logContains("running\n"));

        long cancelledAt = System.nanoTime();
        runner.cancel();
        RunOutcome outcome = running.get(10, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt);

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.CANCELLED);
        assertThat(tookMillis).as("cancel to run() returning, ms").isLessThan(5000);
        assertThat(reporter.resolutions).isEmpty();
        assertThat(reporter.artifacts).isEmpty();
        assertThat(reporter.finishedLogName).isNull();
        assertThat(runtime.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, claimed.taskId()))).isEmpty();
    }

    @Test
    void runningContainerCarriesTheRunsLabels() throws Exception {
        ClaimedRun claimed = Fixtures.run(payload("echo up; sleep 30", "\"maxRunTime\":60"));
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings(WORKER_ID), VALIDATOR, claimed, reporter);
        CompletableFuture<RunOutcome> running = CompletableFuture.supplyAsync(runner::run);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> reporter.logContains("up\n"));
            List<ContainerSummary> found = runtime.listContainers(Map.of(ContainerRuntime.LABEL_TASK_ID, claimed.taskId()));
            assertThat(found).singleElement().satisfies(c -> {
                assertThat(c.labels()).containsAllEntriesOf(Map.of(
                        ContainerRuntime.LABEL_WORKER_ID, WORKER_ID,
                        ContainerRuntime.LABEL_RUN_ID, "0",
                        ContainerRuntime.LABEL_MANAGED, "true"));
                assertThat(c.state()).isEqualTo("running");
                assertThat(runtime.inspect(c.id()).getHostConfig().getSecurityOpts()).contains("no-new-privileges");
            });
        } finally {
            runner.cancel();
            running.get(10, TimeUnit.SECONDS);
        }
    }
}
