package dev.berth.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskRunnerTest {

    private static final PayloadValidator VALIDATOR = new PayloadValidator();

    private final FakeContainerRuntime runtime = new FakeContainerRuntime();
    private final RecordingReporter reporter = new RecordingReporter();

    private RunOutcome run(ClaimedRun claimed) {
        return new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, claimed, reporter).run();
    }

    private RunOutcome run(String payload) {
        return run(Fixtures.run(payload));
    }

    @Test
    void exitZeroCompletes() {
        runtime.output = "hello\n";
        RunOutcome outcome = run("{\"image\":\"img\",\"command\":[\"true\"],\"maxRunTime\":10}");

        assertThat(outcome).isEqualTo(new RunOutcome(RunOutcome.Resolution.COMPLETED, null, 0L));
        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(reporter.log()).contains("[berth] task ").contains("hello\n").contains("[berth] exit code 0");
        assertThat(reporter.finishedLogName).isEqualTo("public/logs/live.log");
        assertThat(runtime.removed).containsExactly("c1");
    }

    @Test
    void afterTheOutputEndsTheWorkersClosingLinesAreHeldForTheLogsFinish() {
        runtime.output = "hello\n";
        run("{\"image\":\"img\",\"command\":[\"true\"],\"maxRunTime\":10}");

        assertThat(reporter.heldAfterChunks).isGreaterThan(0);
        String before = logOf(reporter.chunks.subList(0, reporter.heldAfterChunks));
        String after = logOf(reporter.chunks.subList(reporter.heldAfterChunks, reporter.chunks.size()));
        assertThat(before).contains("hello\n").doesNotContain("exit code");
        assertThat(after).contains("[berth] exit code 0");
    }

    @Test
    void withArtifactsToUploadTheClosingLinesAreNotHeld() {
        runtime.files.put("/out.txt", Map.of("", "x"));
        run("{\"image\":\"img\",\"maxRunTime\":10,"
                + "\"artifacts\":{\"public/out.txt\":{\"type\":\"file\",\"path\":\"/out.txt\"}}}");

        assertThat(reporter.artifacts).containsKey("public/out.txt");
        assertThat(reporter.heldAfterChunks).isEqualTo(-1);
    }

    private static String logOf(java.util.List<RecordingReporter.Chunk> chunks) {
        StringBuilder all = new StringBuilder();
        for (RecordingReporter.Chunk c : chunks) all.append(new String(c.bytes(), java.nio.charset.StandardCharsets.UTF_8));
        return all.toString();
    }

    @Test
    void nonZeroExitFails() {
        runtime.exit = new ContainerExit(3, false);
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":10}");

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(outcome.exitCode()).isEqualTo(3L);
        assertThat(reporter.resolutions).containsExactly("failed");
        assertThat(reporter.log()).contains("[berth] exit code 3");
    }

    @Test
    void exitCodeListedForRetryIsIntermittent() {
        runtime.exit = new ContainerExit(36, false);
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":10,\"onExitStatus\":{\"retry\":[36]}}");

        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.INTERMITTENT_TASK);
        assertThat(reporter.resolutions).containsExactly("exception/intermittent-task");
    }

    @Test
    void exitCodeNotListedForRetryFails() {
        runtime.exit = new ContainerExit(37, false);
        run("{\"image\":\"img\",\"maxRunTime\":10,\"onExitStatus\":{\"retry\":[36]}}");

        assertThat(reporter.resolutions).containsExactly("failed");
    }

    @Test
    void oomKillIsReportedFromEngineStateNotExitCode() {
        runtime.exit = new ContainerExit(137, true);
        run("{\"image\":\"img\",\"maxRunTime\":10,\"onExitStatus\":{\"retry\":[137]}}");

        assertThat(reporter.resolutions).containsExactly("failed");
        assertThat(reporter.log()).contains("killed: out of memory (limit 256 MiB)");
    }

    @Test
    void plainExit137IsNotCalledOom() {
        runtime.exit = new ContainerExit(137, false);
        run("{\"image\":\"img\",\"maxRunTime\":10}");

        assertThat(reporter.log()).doesNotContain("out of memory");
        assertThat(reporter.resolutions).containsExactly("failed");
    }

    @Test
    void aContainerTheEngineStoppedIsHandedBackForARetryNotFailed() {
        // dockerd shutting down: SIGTERM, then SIGKILL after 10 s; the wait sees exit 137 while the API answers
        runtime.exit = new ContainerExit(137, false);
        runtime.stoppedThroughEngine = true;
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":10}");

        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.WORKER_SHUTDOWN);
        assertThat(reporter.resolutions).containsExactly("exception/worker-shutdown");
        assertThat(reporter.log()).contains("the Docker engine stopped the container").contains("retries it");
    }

    @Test
    void aContainerThatEndedAsTheEngineWentAwayIsHandedBackForARetry() {
        runtime.exit = new ContainerExit(137, false);
        runtime.goneAfterExit = true;
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":10}");

        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.WORKER_SHUTDOWN);
        assertThat(reporter.resolutions).containsExactly("exception/worker-shutdown");
        assertThat(reporter.log()).contains("the Docker engine stopped the container");
    }

    @Test
    void aTaskThatKillsItselfFailsWithItsExitCode() {
        runtime.exit = new ContainerExit(137, false);
        runtime.stoppedThroughEngine = false;
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":10}");

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(outcome.exitCode()).isEqualTo(137L);
        assertThat(reporter.resolutions).containsExactly("failed");
    }

    @Test
    void aRunClaimedWhileTheEngineIsDownWaitsForItAndThenRuns() {
        dev.berth.testing.MutableClock clock = new dev.berth.testing.MutableClock();
        runtime.engineDownForPings = 4; // the image look-up fails, and four pings after it
        RunOutcome outcome = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR,
                Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10}"), reporter)
                .engineWait(clock, clock::advance, java.time.Duration.ofSeconds(2), java.time.Duration.ofMinutes(3))
                .run();

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(runtime.created).hasSize(1);
        // asked again every 2 s after the image look-up failed: four refused pings, then the one answered
        assertThat(runtime.pings).hasSize(5);
        assertThat(clock.instant()).isEqualTo(dev.berth.testing.MutableClock.DEFAULT_START.plusSeconds(10));
        assertThat(reporter.log()).contains("waiting up to 180s").contains("answers again");
    }

    @Test
    void aRunWhoseEngineStaysDownIsHandedBackAfterTheWait() {
        dev.berth.testing.MutableClock clock = new dev.berth.testing.MutableClock();
        runtime.engineDownForPings = Integer.MAX_VALUE;
        RunOutcome outcome = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR,
                Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10}"), reporter)
                .engineWait(clock, clock::advance, java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(30))
                .run();

        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.WORKER_SHUTDOWN);
        assertThat(reporter.resolutions).containsExactly("exception/worker-shutdown");
        assertThat(runtime.created).isEmpty();
        assertThat(runtime.pings).hasSize(15);
        assertThat(clock.instant()).isEqualTo(dev.berth.testing.MutableClock.DEFAULT_START.plusSeconds(30));
    }

    @Test
    void malformedPayloadStartsNothingAndListsEveryProblem() {
        RunOutcome outcome = run("{\"command\":\"x\",\"maxRunTime\":-1}");

        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(runtime.created).isEmpty();
        String log = reporter.log();
        assertThat(log).contains("the payload is malformed").contains("/command").contains("/maxRunTime").contains("image");
    }

    @Test
    void imageThatDoesNotExistIsMalformedPayloadWithAClearMessage() {
        runtime.missingImages = Set.of("nope:1");
        run("{\"image\":\"nope:1\",\"maxRunTime\":10}");

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("image nope:1 not found");
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void unsupportedImageKindsAndFeaturesAreRefusedNotIgnored() {
        run("{\"image\":{\"type\":\"indexed-image\",\"namespace\":\"a.b\",\"path\":\"public/i.tar\"},\"maxRunTime\":10,"
                + "\"features\":{\"dockerSave\":true},\"capabilities\":{\"privileged\":true}}");

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("indexed-image").contains("features.dockerSave");
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void containerGetsLabelsLimitsAndReservedEnv() {
        ClaimedRun claimed = Fixtures.run(
                "{\"image\":\"img\",\"command\":[\"env\"],\"maxRunTime\":10,\"env\":{\"TASK_ID\":\"forged\",\"FOO\":\"bar\"}}");
        run(claimed);

        ContainerSpec spec = runtime.created.get(0);
        assertThat(spec.image()).isEqualTo("img");
        assertThat(spec.command()).containsExactly("env");
        assertThat(spec.labels()).containsAllEntriesOf(Map.of(
                ContainerRuntime.LABEL_WORKER_ID, "w1",
                ContainerRuntime.LABEL_TASK_ID, claimed.taskId(),
                ContainerRuntime.LABEL_RUN_ID, "0"));
        assertThat(spec.limits()).isEqualTo(Fixtures.LIMITS);
        assertThat(spec.env()).containsEntry("TASK_ID", claimed.taskId()).containsEntry("RUN_ID", "0")
                .containsEntry("FOO", "bar").containsEntry("TASKCLUSTER_WORKER_TYPE", "test-type")
                .containsEntry("TASKCLUSTER_WORKER_GROUP", "test-group").containsEntry("TASKCLUSTER_ROOT_URL", "http://berth.test")
                .doesNotContainKey("TASKCLUSTER_PUBLIC_IP");
    }

    @Test
    void maxRunTimeKillsFailsAndStillUploadsArtifacts() {
        runtime.runsForever = true;
        runtime.files.put("/out.txt", Map.of("", "partial"));
        RunOutcome outcome = run("{\"image\":\"img\",\"maxRunTime\":1,"
                + "\"artifacts\":{\"public/out.txt\":{\"type\":\"file\",\"path\":\"/out.txt\"}}}");

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.FAILED);
        assertThat(runtime.killed).containsExactly("c1");
        assertThat(reporter.log()).contains("maxRunTime of 1s exceeded");
        assertThat(reporter.artifacts.get("public/out.txt").text()).isEqualTo("partial");
    }

    @Test
    void fileAndDirectoryArtifactsAndMissingPaths() {
        runtime.files.put("/work/report.json", Map.of("", "{}"));
        runtime.files.put("/work/dir", Map.of("a.txt", "A", "sub/b.html", "B"));
        ClaimedRun claimed = Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10,\"artifacts\":{"
                + "\"public/report.json\":{\"type\":\"file\",\"path\":\"/work/report.json\",\"expires\":\"2999-01-01T00:00:00Z\"},"
                + "\"public/dir\":{\"type\":\"directory\",\"path\":\"/work/dir\"},"
                + "\"public/gone\":{\"type\":\"file\",\"path\":\"/nowhere\"},"
                + "\"public/notafile\":{\"type\":\"file\",\"path\":\"/work/dir\"}}}");
        run(claimed);

        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(reporter.artifacts.get("public/report.json").contentType()).isEqualTo("application/json");
        // never past the task's own expiry
        assertThat(reporter.artifacts.get("public/report.json").expires()).isEqualTo(claimed.task().expires());
        assertThat(reporter.artifacts.get("public/dir/a.txt").text()).isEqualTo("A");
        assertThat(reporter.artifacts.get("public/dir/sub/b.html").contentType()).startsWith("text/html");
        assertThat(reporter.errorArtifacts.get("public/gone").reason()).isEqualTo("file-missing-on-worker");
        assertThat(reporter.errorArtifacts.get("public/gone").message()).contains("/nowhere");
        assertThat(reporter.errorArtifacts.get("public/notafile").reason()).isEqualTo("invalid-resource-on-worker");
        assertThat(reporter.log()).contains("/nowhere does not exist");
    }

    @Test
    void cancelBeforeTheContainerExistsStartsNothingAndReportsNothing() {
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR,
                Fixtures.run("{\"image\":\"img\",\"maxRunTime\":100}"), reporter);
        runner.cancel();
        RunOutcome outcome = runner.run();

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.CANCELLED);
        assertThat(runtime.created).isEmpty();
        assertThat(reporter.resolutions).isEmpty();
        assertThat(reporter.finishedLogName).isNull();
    }

    @Test
    void cancelWhileRunningKillsUploadsNothingAndReportsNothing() {
        runtime.runsForever = true;
        runtime.files.put("/a", Map.of("", "x"));
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR,
                Fixtures.run("{\"image\":\"img\",\"maxRunTime\":100,\"artifacts\":{\"a\":{\"type\":\"file\",\"path\":\"/a\"}}}"),
                reporter);
        runtime.whileWaiting = runner::cancel;
        int chunksBefore;
        RunOutcome outcome = runner.run();
        chunksBefore = reporter.chunks.size();

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.CANCELLED);
        assertThat(runtime.killed).containsExactly("c1");
        assertThat(runtime.removed).containsExactly("c1");
        assertThat(reporter.artifacts).isEmpty();
        assertThat(reporter.resolutions).isEmpty();
        assertThat(reporter.log()).doesNotContain("exit code");
        assertThat(reporter.chunks).hasSize(chunksBefore);
    }

    @Test
    void cancelDuringStartStillKillsTheContainer() {
        runtime.runsForever = true;
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR,
                Fixtures.run("{\"image\":\"img\",\"maxRunTime\":100}"), reporter);
        runtime.onStart = runner::cancel;

        assertThat(runner.run().resolution()).isEqualTo(RunOutcome.Resolution.CANCELLED);
        assertThat(runtime.killed).contains("c1");
        assertThat(runtime.removed).containsExactly("c1");
        assertThat(reporter.resolutions).isEmpty();
    }

    @Test
    void aFailingLogAppendDoesNotStopTheRun() {
        runtime.output = "lots of output\n";
        RecordingReporter flaky = new RecordingReporter() {
            @Override
            public void appendLog(byte[] chunk) {
                throw new IllegalStateException("queue unreachable");
            }
        };
        new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10}"), flaky).run();

        assertThat(flaky.resolutions).containsExactly("completed");
    }

    @Test
    void contentTypesAreGuessedFromExtensions() {
        assertThat(ContentTypes.guess("a/b/c.log")).startsWith("text/plain");
        assertThat(ContentTypes.guess("x.TAR")).isEqualTo("application/x-tar");
        assertThat(ContentTypes.guess("x.tar.zst")).isEqualTo("application/zstd");
        assertThat(ContentTypes.guess("Makefile")).isEqualTo(ContentTypes.DEFAULT);
        assertThat(ContentTypes.guess(".hidden")).isEqualTo(ContentTypes.DEFAULT);
    }

    @Test
    void artifactExpiryFromPayloadIsKeptWhenEarlier() {
        runtime.files.put("/a", Map.of("", "x"));
        run("{\"image\":\"img\",\"maxRunTime\":10,\"artifacts\":{\"a\":{\"type\":\"file\",\"path\":\"/a\",\"expires\":\"2001-01-01T00:00:00Z\"}}}");

        assertThat(reporter.artifacts.get("a").expires()).isEqualTo(Instant.parse("2001-01-01T00:00:00Z"));
    }
}
