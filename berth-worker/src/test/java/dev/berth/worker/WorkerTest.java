package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerTest {

    static final Worker.Timing FAST = new Worker.Timing(Duration.ofMillis(200), Duration.ofMillis(100),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(400));
    private static final String PAYLOAD = "{\"image\":\"busybox\",\"command\":[\"sleep\",\"600\"],\"maxRunTime\":600}";

    @TempDir
    Path dataDir;

    private final FakeWorkQueue queue = new FakeWorkQueue();
    private final HeldContainerRuntime runtime = new HeldContainerRuntime();
    private final AtomicLong freeDisk = new AtomicLong(Long.MAX_VALUE);
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) worker.shutdown(Duration.ofSeconds(5));
    }

    private Worker start(int capacity) {
        worker = Worker.builder(config(capacity)).queue(queue).runtime(runtime).timing(FAST).freeDisk(freeDisk::get).start();
        return worker;
    }

    private WorkerConfig config(int capacity) {
        return new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "test-group", "w1", capacity,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 1L << 30, null, null);
    }

    private ClaimedRun enqueue() {
        ClaimedRun run = Fixtures.run(PAYLOAD);
        queue.pending.add(run);
        return run;
    }

    @Test
    void runsAtMostCapacityTasksAtOnceAndFillsAFreedSlot() {
        start(2);
        ClaimedRun a = enqueue();
        ClaimedRun b = enqueue();
        ClaimedRun c = enqueue();

        await().until(() -> runtime.created.size() == 2);
        assertThat(worker.runningCount()).isEqualTo(2);
        assertThat(queue.pending).hasSize(1);
        // every claim asks only for the slots that are free
        assertThat(queue.claimRequests).allMatch(max -> max >= 1 && max <= 2);

        runtime.exit(a.taskId(), 0);
        await().until(() -> runtime.created.size() == 3);
        assertThat(queue.pending).isEmpty();
        // a's report and removal go on beside c's start; a counts as running until they are done
        await().until(() -> worker.runningCount() == 2);
        assertThat(queue.reporter(a.taskId()).resolutions).containsExactly("completed");
        assertThat(queue.claimRequests).allMatch(max -> max >= 1 && max <= 2);

        runtime.exit(b.taskId(), 3);
        runtime.exit(c.taskId(), 0);
        await().until(() -> worker.runningCount() == 0);
        assertThat(queue.reporter(b.taskId()).resolutions).containsExactly("failed");
        assertThat(queue.reporter(c.taskId()).resolutions).containsExactly("completed");
    }

    /** A reporter whose reportCompleted waits until {@code reportMayGo} is counted down. */
    private static dev.berth.worker.run.RecordingReporter slowReport(java.util.concurrent.CountDownLatch reportMayGo) {
        return new dev.berth.worker.run.RecordingReporter() {
            @Override
            public void reportCompleted() {
                try {
                    reportMayGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.reportCompleted();
            }
        };
    }

    @Test
    void theNextTaskIsClaimedAndStartedOnceTheContainerHasExitedWhileTheReportIsStillOnItsWay() {
        java.util.concurrent.CountDownLatch reportMayGo = new java.util.concurrent.CountDownLatch(1);
        ClaimedRun a = enqueue();
        queue.reporters.put(a.taskId(), slowReport(reportMayGo));
        start(1);
        await().until(() -> runtime.created.size() == 1);
        ClaimedRun b = enqueue();

        runtime.exit(a.taskId(), 0);

        // capacity 1: b runs while a's report still waits
        await().until(() -> runtime.created.size() == 2);
        assertThat(queue.reporter(a.taskId()).resolutions).isEmpty();
        // a is still active until its report is done and its container removed: its claim held, shutdown waiting
        assertThat(worker.runningCount()).isEqualTo(2);
        assertThat(queue.claimRequests).allMatch(max -> max == 1);

        reportMayGo.countDown();
        await().until(() -> worker.runningCount() == 1);
        assertThat(queue.reporter(a.taskId()).resolutions).containsExactly("completed");
        assertThat(runtime.removed).hasSize(1);
        runtime.exit(b.taskId(), 0);
        await().until(() -> worker.runningCount() == 0);
        assertThat(queue.reporter(b.taskId()).resolutions).containsExactly("completed");
    }

    @Test
    void shutdownWaitsForAReportStillOnItsWay() throws Exception {
        java.util.concurrent.CountDownLatch reportMayGo = new java.util.concurrent.CountDownLatch(1);
        ClaimedRun a = enqueue();
        queue.reporters.put(a.taskId(), slowReport(reportMayGo));
        start(1);
        await().until(() -> runtime.created.size() == 1);
        runtime.exit(a.taskId(), 0);
        // the log is finished: the report is on its way
        await().until(() -> queue.reporter(a.taskId()).finishedLogName != null);

        java.util.concurrent.CompletableFuture<Boolean> shutdown =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> worker.shutdown(Duration.ofSeconds(10)));
        // the report is held: shutdown must not return before it
        Thread.sleep(300);
        assertThat(shutdown).isNotDone();
        reportMayGo.countDown();

        assertThat(shutdown.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(queue.reporter(a.taskId()).resolutions).containsExactly("completed");
        assertThat(worker.runningCount()).isZero();
        assertThat(runtime.removed).hasSize(1);
    }

    @Test
    void reclaimsAtHalfTheRemainingClaim() {
        queue.claimLength = Duration.ofMillis(1000);
        start(1);
        ClaimedRun run = enqueue();

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.reclaimsOf(run.taskId()).size() >= 3);
        List<FakeWorkQueue.Reclaim> reclaims = queue.reclaimsOf(run.taskId());
        // first at about half of the 1 s claim, each before the claim it renews runs out
        Duration first = Duration.between(queue.claimedAt.get(run.taskId()), reclaims.get(0).at());
        assertThat(first).isBetween(Duration.ofMillis(400), Duration.ofMillis(900));
        for (FakeWorkQueue.Reclaim r : reclaims) assertThat(r.at()).isBefore(r.takenUntilBefore());
        assertThat(runtime.killed).isEmpty();
        runtime.exit(run.taskId(), 0);
        await().until(() -> worker.runningCount() == 0);
        assertThat(queue.reporter(run.taskId()).resolutions).containsExactly("completed");
    }

    @Test
    void aReclaimAnsweredGoneKillsTheContainerAndReportsNothing() {
        queue.claimLength = Duration.ofMillis(400);
        start(1);
        ClaimedRun run = enqueue();
        await().until(() -> runtime.created.size() == 1);
        queue.gone.add(run.taskId());

        await().atMost(Duration.ofSeconds(3)).until(() -> runtime.wasKilled(run.taskId()));
        await().until(() -> worker.runningCount() == 0);
        assertThat(queue.reporter(run.taskId()).resolutions).isEmpty();
        assertThat(queue.reporter(run.taskId()).finishedLogName).isNull();
        assertThat(runtime.removed).hasSize(1);
    }

    @Test
    void aRunCancelledOnTheQueueIsStoppedByTheStatusPoll() {
        start(1);
        ClaimedRun run = enqueue();
        await().until(() -> runtime.created.size() == 1);
        queue.cancelled.add(run.taskId());

        // the claim lasts 20 minutes: only the status poll can notice this soon
        await().atMost(Duration.ofSeconds(2)).until(() -> runtime.wasKilled(run.taskId()));
        await().until(() -> worker.runningCount() == 0);
        assertThat(queue.reporter(run.taskId()).resolutions).isEmpty();
        assertThat(queue.reclaims).isEmpty();
    }

    @Test
    void shutdownKillsRunningContainersAndHandsTheirRunsBack() {
        start(2);
        ClaimedRun a = enqueue();
        ClaimedRun b = enqueue();
        await().until(() -> worker.runningCount() == 2);

        boolean clean = worker.shutdown(Duration.ofSeconds(5));

        assertThat(clean).isTrue();
        assertThat(worker.runningCount()).isZero();
        for (ClaimedRun run : List.of(a, b)) {
            assertThat(runtime.wasKilled(run.taskId())).isTrue();
            assertThat(queue.reporter(run.taskId()).resolutions).containsExactly("exception/worker-shutdown");
            assertThat(queue.reporter(run.taskId()).finishedLogName).isEqualTo("public/logs/live.log");
            assertThat(queue.reporter(run.taskId()).log()).contains("shutting down");
        }
        // and nothing more is claimed
        int claims = queue.claimRequests.size();
        enqueue();
        await().during(Duration.ofMillis(300)).until(() -> queue.claimRequests.size() == claims);
    }

    @Test
    void claimsNothingWhileTheDiskIsShortOfSpace() {
        freeDisk.set(100L << 20);
        start(1);
        ClaimedRun run = enqueue();

        await().until(worker::isPausedForDisk);
        await().during(Duration.ofMillis(300)).until(() -> queue.claimRequests.isEmpty());
        assertThat(queue.pending).containsExactly(run);

        freeDisk.set(2L << 30);
        await().until(() -> runtime.created.size() == 1);
        assertThat(worker.isPausedForDisk()).isFalse();
    }

    @Test
    void removesContainersAnEarlierLifeOfTheSameWorkerLeftBehind() {
        runtime.leftovers.add(new ContainerSummary("old1", "busybox", "running", Map.of(
                ContainerRuntime.LABEL_MANAGED, "true", ContainerRuntime.LABEL_WORKER_ID, "w1")));
        runtime.leftovers.add(new ContainerSummary("other", "busybox", "running", Map.of(
                ContainerRuntime.LABEL_MANAGED, "true", ContainerRuntime.LABEL_WORKER_ID, "w2")));
        start(1);
        assertThat(runtime.removed).containsExactly("old1");
    }

    @Test
    void aMalformedPayloadIsReportedAndFreesTheSlot() {
        start(1);
        ClaimedRun run = Fixtures.run("{\"command\":[\"true\"]}");
        queue.pending.add(run);
        await().until(() -> queue.reporter(run.taskId()) != null
                && !queue.reporter(run.taskId()).resolutions.isEmpty());
        assertThat(queue.reporter(run.taskId()).resolutions).containsExactly("exception/malformed-payload");
        await().until(() -> worker.runningCount() == 0);
    }

    @Test
    void aFailingStatusPollWarnsOnceKeepsTheContainerAndCancelStillLandsWhenTheQueueIsBack() {
        try (LogCapture log = new LogCapture(RunSupervisor.class)) {
            start(1);
            ClaimedRun run = enqueue();
            await().until(() -> runtime.created.size() == 1);
            queue.statusUnreachable = true;
            int before = queue.statusPolls.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> queue.statusPolls.get() >= before + 4);

            assertThat(runtime.killed).isEmpty();
            assertThat(worker.runningCount()).isEqualTo(1);
            // the first failure is a WARN, the ones after it are not
            assertThat(log.at(ch.qos.logback.classic.Level.WARN, "status poll")).hasSize(1);
            assertThat(log.at(ch.qos.logback.classic.Level.DEBUG, "status poll")).isNotEmpty();

            queue.cancelled.add(run.taskId());
            queue.statusUnreachable = false;
            // the backoff is capped (400 ms here): the cancel lands soon after the queue answers again
            await().atMost(Duration.ofSeconds(3)).until(() -> runtime.wasKilled(run.taskId()));
            await().until(() -> worker.runningCount() == 0);
            assertThat(log.at(ch.qos.logback.classic.Level.INFO, "works again")).hasSize(1);
            assertThat(queue.reporter(run.taskId()).resolutions).isEmpty();
        }
    }

    @Test
    void theEngineGoingAwayHandsTheRunBackPausesClaimingAndTheWorkerClaimsAgainWhenItReturns() {
        start(1);
        ClaimedRun first = enqueue();
        await().until(() -> runtime.created.size() == 1);

        runtime.engineDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> !queue.reporter(first.taskId()).resolutions.isEmpty());
        assertThat(queue.reporter(first.taskId()).resolutions).containsExactly("exception/worker-shutdown");
        assertThat(queue.reporter(first.taskId()).log()).contains("Docker engine").contains("went away");
        await().until(() -> worker.runningCount() == 0);
        await().until(worker::isPausedForEngine);

        // no claims while the engine is away
        ClaimedRun second = enqueue();
        int claims = queue.claimRequests.size();
        int pings = runtime.pings.get();
        await().atMost(Duration.ofSeconds(2)).until(() -> runtime.pings.get() >= pings + 3);
        assertThat(queue.claimRequests).hasSize(claims);
        assertThat(queue.pending).containsExactly(second);

        runtime.engineUp();

        // the same worker claims again, and the dead container it could not remove then is gone
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.created.size() == 2);
        assertThat(worker.isPausedForEngine()).isFalse();
        await().until(() -> runtime.leftovers.isEmpty());
        assertThat(runtime.removed).contains("held0");
        runtime.exit(second.taskId(), 0);
        await().until(() -> queue.reporter(second.taskId()).resolutions.contains("completed"));
    }

    @Test
    void aRunLostWithTheEngineMarksItInDoubtBeforeItsSlotGoesToTheNextClaim() {
        java.util.concurrent.CountDownLatch reportMayGo = new java.util.concurrent.CountDownLatch(1);
        ClaimedRun first = enqueue();
        // the lost run's report is slow: the next claim must not go out before the engine was asked again
        queue.reporters.put(first.taskId(), new dev.berth.worker.run.RecordingReporter() {
            @Override
            public void reportException(dev.berth.core.task.ReasonResolved reason) {
                try {
                    reportMayGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.reportException(reason);
            }
        });
        start(1);
        await().until(() -> runtime.created.size() == 1);
        ClaimedRun second = enqueue();

        // the engine stops its containers, answers one more ping, then goes (a dockerd restart)
        runtime.engineRestarting(1);

        // in doubt: asked twice, a moment apart, before any claim; the second finds it gone
        await().atMost(Duration.ofSeconds(5)).until(worker::isPausedForEngine);
        assertThat(runtime.created).hasSize(1);
        assertThat(queue.pending).containsExactly(second);

        reportMayGo.countDown();
        await().until(() -> queue.reporter(first.taskId()).resolutions.contains("exception/worker-shutdown"));
        runtime.engineUp();
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.created.size() == 2);
        runtime.exit(second.taskId(), 0);
        await().until(() -> queue.reporter(second.taskId()).resolutions.contains("completed"));
        assertThat(queue.reporter(second.taskId()).resolutions).containsExactly("completed");
    }

    @Test
    void anEngineOutageCostsTheRunItTookAndNotTheNextTasksToo() {
        start(1);
        ClaimedRun first = enqueue();
        await().until(() -> runtime.created.size() == 1);
        // waiting already when the engine goes: the slot the lost run frees must not claim it into the outage
        ClaimedRun second = enqueue();

        runtime.engineDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> !queue.reporter(first.taskId()).resolutions.isEmpty());
        assertThat(queue.reporter(first.taskId()).resolutions).containsExactly("exception/worker-shutdown");
        int pings = runtime.pings.get();
        await().atMost(Duration.ofSeconds(3)).until(() -> runtime.pings.get() >= pings + 5);
        // either never claimed during the outage, or claimed and waiting for the engine: never resolved
        assertThat(queue.reporter(second.taskId()) == null || queue.reporter(second.taskId()).resolutions.isEmpty()).isTrue();

        runtime.engineUp();
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.created.size() == 2);
        runtime.exit(second.taskId(), 0);
        await().until(() -> queue.reporter(second.taskId()).resolutions.contains("completed"));
        assertThat(queue.reporter(second.taskId()).resolutions).containsExactly("completed");
    }

    @Test
    void aRunClaimedAsTheEngineGoesWaitsForItInsteadOfBeingLost() {
        start(1);
        // a claim poll (200 ms here) has just gone out after the engine answered; then the engine goes
        int polls = queue.claimRequests.size();
        await().atMost(Duration.ofSeconds(2)).until(() -> queue.claimRequests.size() > polls);
        runtime.engineDown();
        ClaimedRun run = enqueue();
        await().atMost(Duration.ofSeconds(2)).until(() -> queue.reporter(run.taskId()) != null);
        int pings = runtime.pings.get();
        await().atMost(Duration.ofSeconds(3)).until(() -> runtime.pings.get() >= pings + 5);
        assertThat(queue.reporter(run.taskId()).resolutions).isEmpty();
        assertThat(runtime.created).isEmpty();

        runtime.engineUp();
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.created.size() == 1);
        runtime.exit(run.taskId(), 0);
        await().until(() -> queue.reporter(run.taskId()).resolutions.contains("completed"));
        assertThat(queue.reporter(run.taskId()).resolutions).containsExactly("completed");
        assertThat(queue.reporter(run.taskId()).log()).contains("waiting up to").contains("answers again");
    }

    @Test
    void failedReclaimsAreRetriedSoonAndTheClaimIsHeldOnceTheQueueAnswers() {
        try (LogCapture log = new LogCapture(RunSupervisor.class)) {
            queue.claimLength = Duration.ofMillis(2000);
            queue.reclaimFailuresLeft.set(3);
            start(1);
            ClaimedRun run = enqueue();

            await().atMost(Duration.ofSeconds(5)).until(() -> queue.reclaimsOf(run.taskId()).size() >= 5);
            // every attempt, failed or not, came before the claim it tried to renew ran out
            for (FakeWorkQueue.Reclaim r : queue.reclaimsOf(run.taskId())) assertThat(r.at()).isBefore(r.takenUntilBefore());
            assertThat(runtime.killed).isEmpty();
            assertThat(log.at(ch.qos.logback.classic.Level.WARN, "reclaim")).hasSize(1);
            assertThat(log.at(ch.qos.logback.classic.Level.INFO, "works again after 3 failure(s)")).hasSize(1);
            assertThat(worker.counters().reclaimFailures()).isEqualTo(3);
            runtime.exit(run.taskId(), 0);
            await().until(() -> queue.reporter(run.taskId()).resolutions.contains("completed"));
        }
    }

    @Test
    void anEngineRestartTooQuickForTheClaimLoopStillHasTheDeadRunsContainerRemoved() {
        start(1);
        ClaimedRun first = enqueue();
        await().until(() -> runtime.created.size() == 1);
        runtime.removalsFail = true;
        runtime.engineDown();
        runtime.engineUp(); // back before any ping saw it down

        await().atMost(Duration.ofSeconds(5)).until(() -> !queue.reporter(first.taskId()).resolutions.isEmpty());
        assertThat(queue.reporter(first.taskId()).resolutions).containsExactly("exception/worker-shutdown");
        await().until(() -> worker.runningCount() == 0);
        assertThat(runtime.leftovers).hasSize(1);
        runtime.removalsFail = false;

        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.leftovers.isEmpty());
        assertThat(worker.isPausedForEngine()).isFalse();
    }
}
