package dev.berth.worker.superseding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.queue.ReclaimResult;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.run.RecordingReporter;
import dev.berth.worker.run.RunOutcome;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SupersedingTest {

    private static final String PAYLOAD = "{\"image\": \"busybox\", \"command\": [\"true\"], \"maxRunTime\": 60,"
            + " \"supersederUrl\": \"http://127.0.0.1:1/coalesce\"}";

    /** Listed tasks the queue would let this worker claim; the others are not pending. */
    private final Map<String, WorkClaim> claimable = new HashMap<>();
    private final Set<String> refused = new HashSet<>();
    private final List<String> claimsAsked = new ArrayList<>();
    private final Map<String, RecordingReporter> reporters = new HashMap<>();
    private final Map<String, Boolean> goneHeld = new HashMap<>();
    private final List<String> released = new ArrayList<>();
    private List<String> answer = List.of();
    private String unanswered;
    private int asked;

    private final WorkQueue queue = new WorkQueue() {
        @Override
        public List<WorkClaim> claimWork(int max, Duration wait) {
            return List.of();
        }

        @Override
        public Optional<WorkClaim> claimTask(String taskId) {
            claimsAsked.add(taskId);
            if (refused.contains(taskId)) throw new IllegalStateException("403 InsufficientScopes");
            return Optional.ofNullable(claimable.get(taskId));
        }

        @Override
        public ReclaimResult reclaim(WorkClaim claim) {
            return new ReclaimResult.Renewed(claim.takenUntil());
        }

        @Override
        public boolean isStillRunning(WorkClaim claim) {
            return true;
        }

        @Override
        public RunReporter reporterFor(WorkClaim claim) {
            return reporters.computeIfAbsent(claim.taskId(), id -> new RecordingReporter());
        }
    };

    private final SupersederClient superseder = new SupersederClient() {
        @Override
        public List<String> supersedes(String url, String taskId) throws Unanswered {
            asked++;
            if (unanswered != null) throw new Unanswered(unanswered, null);
            return answer;
        }
    };

    private final ClaimHolder holder = (claim, reporter) -> new ClaimHolder.Held() {
        @Override
        public boolean gone() {
            return goneHeld.getOrDefault(claim.taskId(), false);
        }

        @Override
        public void release() {
            released.add(claim.taskId());
        }
    };

    private final Superseding superseding = new Superseding(queue, superseder, "w1");

    private static WorkClaim claim(String payload) {
        ClaimedRun run = Fixtures.run(payload);
        return new WorkClaim(run, Instant.now().plusSeconds(600), null);
    }

    private WorkClaim claimable(String payload) {
        WorkClaim c = claim(payload);
        claimable.put(c.taskId(), c);
        return c;
    }

    private static RunOutcome outcome(RunOutcome.Resolution resolution, ReasonResolved reason) {
        return new RunOutcome(resolution, reason, null);
    }

    @Test
    void aTaskWithoutSupersederUrlRunsAloneWithoutAskingAnyone() {
        WorkClaim initial = claim("{\"image\": \"busybox\", \"command\": [\"true\"], \"maxRunTime\": 60}");
        Supersession s = superseding.resolve(initial, holder);
        assertThat(s.primary()).isSameAs(initial);
        assertThat(s.secondaries()).isEmpty();
        assertThat(asked).isZero();
    }

    @Test
    void aMalformedPayloadIsNotSupersededButLeftForTheRunnerToRefuse() {
        WorkClaim initial = claim("{\"supersederUrl\": \"http://127.0.0.1:1/c\"}");
        assertThat(superseding.resolve(initial, holder).primary()).isSameAs(initial);
        assertThat(asked).isZero();
    }

    @Test
    void theHighestListedTaskWhoseClaimSucceedsIsThePrimary() {
        WorkClaim initial = claim(PAYLOAD);
        WorkClaim refusedOne = claim(PAYLOAD);
        WorkClaim second = claimable(PAYLOAD);
        WorkClaim notPending = claim(PAYLOAD);
        refused.add(refusedOne.taskId());
        answer = List.of(refusedOne.taskId(), initial.taskId(), second.taskId(), notPending.taskId());

        Supersession s = superseding.resolve(initial, holder);

        assertThat(claimsAsked).containsExactly(refusedOne.taskId(), second.taskId(), notPending.taskId());
        assertThat(s.primary()).isSameAs(second);
        assertThat(s.secondaries()).containsExactly(initial.toString());
        RecordingReporter primaryLog = new RecordingReporter();
        s.primaryStarts(primaryLog);
        assertThat(primaryLog.log()).contains("lists 4 task(s)", "claimed 2 of them",
                notPending.taskId() + " (no pending run)", refusedOne.taskId() + " (403 InsufficientScopes)",
                second + " is the primary", "it supersedes " + initial);
        assertThat(reporters.get(initial.taskId()).log()).contains("claimed by worker w1", second + " runs in its place");
    }

    @Test
    void whenThePrimaryIsDoneTheOthersResolveSupersededWithTheSeedsArtifacts() throws Exception {
        WorkClaim initial = claim(PAYLOAD);
        WorkClaim middle = claimable(PAYLOAD);
        WorkClaim last = claimable(PAYLOAD);
        answer = List.of(initial.taskId(), middle.taskId(), last.taskId());
        Supersession s = superseding.resolve(initial, holder);
        RecordingReporter primaryReporter = new RecordingReporter();
        s.primaryStarts(primaryReporter);
        assertThat(s.primary()).isSameAs(last);

        RunOutcome failed = outcome(RunOutcome.Resolution.FAILED, null);
        s.beforePrimaryReport(failed);
        s.primaryEnded(failed);

        assertThat(Json.MAPPER.readTree(primaryReporter.artifacts.get("public/supersedes.json").content()))
                .isEqualTo(Json.MAPPER.readTree("[{\"taskId\":\"" + initial.taskId() + "\",\"runId\":0},"
                        + "{\"taskId\":\"" + middle.taskId() + "\",\"runId\":0}]"));
        assertThat(primaryReporter.artifacts.get("public/supersedes.json").contentType()).isEqualTo("application/json");
        for (WorkClaim secondary : List.of(initial, middle)) {
            RecordingReporter r = reporters.get(secondary.taskId());
            assertThat(r.resolutions).containsExactly("exception/superseded");
            assertThat(Json.MAPPER.readTree(r.artifacts.get("public/superseded-by.json").content()))
                    .isEqualTo(Json.MAPPER.readTree("{\"taskId\":\"" + last.taskId() + "\",\"runId\":0}"));
            assertThat(r.finishedLogName).isEqualTo("public/logs/live.log");
            assertThat(r.log()).contains("superseded by " + last);
        }
        assertThat(released).containsExactlyInAnyOrder(initial.taskId(), middle.taskId());
        s.primaryEnded(failed);
        assertThat(reporters.get(initial.taskId()).resolutions).hasSize(1);
    }

    @Test
    void aPrimaryWithoutAVerdictSendsTheOthersBackAsWorkerShutdown() {
        for (RunOutcome notDone : List.of(outcome(RunOutcome.Resolution.CANCELLED, null),
                outcome(RunOutcome.Resolution.EXCEPTION, ReasonResolved.WORKER_SHUTDOWN),
                outcome(RunOutcome.Resolution.EXCEPTION, ReasonResolved.MALFORMED_PAYLOAD))) {
            reporters.clear();
            WorkClaim initial = claim(PAYLOAD);
            WorkClaim last = claimable(PAYLOAD);
            answer = List.of(initial.taskId(), last.taskId());
            Supersession s = superseding.resolve(initial, holder);
            RecordingReporter primaryReporter = new RecordingReporter();
            s.primaryStarts(primaryReporter);
            s.beforePrimaryReport(notDone);
            s.primaryEnded(notDone);
            assertThat(primaryReporter.artifacts).doesNotContainKey("public/supersedes.json");
            assertThat(reporters.get(initial.taskId()).resolutions).containsExactly("exception/worker-shutdown");
            assertThat(reporters.get(initial.taskId()).artifacts).isEmpty();
            assertThat(reporters.get(initial.taskId()).log()).contains("handed back to the queue");
        }
    }

    @Test
    void aSecondaryTheQueueTookBackMeanwhileIsLeftAlone() throws Exception {
        WorkClaim initial = claim(PAYLOAD);
        WorkClaim last = claimable(PAYLOAD);
        answer = List.of(initial.taskId(), last.taskId());
        Supersession s = superseding.resolve(initial, holder);
        goneHeld.put(initial.taskId(), true);
        RecordingReporter primaryReporter = new RecordingReporter();
        s.primaryStarts(primaryReporter);
        RunOutcome completed = outcome(RunOutcome.Resolution.COMPLETED, null);
        s.beforePrimaryReport(completed);
        s.primaryEnded(completed);
        assertThat(Json.MAPPER.readTree(primaryReporter.artifacts.get("public/supersedes.json").content())).isEmpty();
        assertThat(reporters.get(initial.taskId()).resolutions).isEmpty();
    }

    @Test
    void aSupersederThatDoesNotAnswerUsefullyLeavesTheTaskAloneAndSaysWhy() {
        WorkClaim initial = claim(PAYLOAD);
        unanswered = "did not answer within 5s";
        Supersession s = superseding.resolve(initial, holder);
        assertThat(s.primary()).isSameAs(initial);
        assertThat(claimsAsked).isEmpty();
        RecordingReporter log = new RecordingReporter();
        s.primaryStarts(log);
        assertThat(log.log()).contains("superseding: the superseder at http://127.0.0.1:1/coalesce did not answer within 5s;"
                + " this task runs alone");
    }

    @Test
    void aListWithOnlyTheClaimedTaskClaimsNothingMore() throws IOException {
        WorkClaim initial = claim(PAYLOAD);
        answer = List.of(initial.taskId());
        Supersession s = superseding.resolve(initial, holder);
        assertThat(s.primary()).isSameAs(initial);
        assertThat(s.secondaries()).isEmpty();
        assertThat(claimsAsked).isEmpty();
    }
}
