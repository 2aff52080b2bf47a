package dev.berth.worker;

import dev.berth.worker.queue.ReclaimResult;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.RecordingReporter;
import dev.berth.worker.run.RunReporter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-memory queue: tests put runs in, and read what the worker asked and reported. */
final class FakeWorkQueue implements WorkQueue {

    record Reclaim(String taskId, Instant at, Instant takenUntilBefore) {}

    /** How long a claim (and each reclaim) lasts. */
    volatile Duration claimLength = Duration.ofMinutes(20);

    final LinkedBlockingQueue<ClaimedRun> pending = new LinkedBlockingQueue<>();
    /** {@code max} of every claimWork call, in order. */
    final List<Integer> claimRequests = new CopyOnWriteArrayList<>();
    final List<Reclaim> reclaims = new CopyOnWriteArrayList<>();
    final Map<String, Instant> claimedAt = new ConcurrentHashMap<>();
    /** Task ids whose reclaim is answered 409. */
    final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** Task ids the queue no longer has running (cancelled). */
    final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    final Map<String, RecordingReporter> reporters = new ConcurrentHashMap<>();
    /** How many reclaims to come fail as if the queue could not be reached. */
    final java.util.concurrent.atomic.AtomicInteger reclaimFailuresLeft = new java.util.concurrent.atomic.AtomicInteger();
    /** While set, status polls fail as if the queue could not be reached. */
    volatile boolean statusUnreachable;
    final java.util.concurrent.atomic.AtomicInteger statusPolls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public List<WorkClaim> claimWork(int max, Duration wait) throws InterruptedException {
        claimRequests.add(max);
        List<WorkClaim> out = new ArrayList<>();
        ClaimedRun first = pending.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) return out;
        List<ClaimedRun> runs = new ArrayList<>(List.of(first));
        pending.drainTo(runs, max - 1);
        for (ClaimedRun run : runs) {
            claimedAt.put(run.taskId(), Instant.now());
            out.add(new WorkClaim(run, Instant.now().plus(claimLength), null));
        }
        return out;
    }

    @Override
    public ReclaimResult reclaim(WorkClaim claim) throws java.io.IOException {
        reclaims.add(new Reclaim(claim.taskId(), Instant.now(), claim.takenUntil()));
        if (reclaimFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new java.net.ConnectException("connection refused (fake)");
        }
        if (gone.contains(claim.taskId())) return new ReclaimResult.Gone("run is resolved");
        Instant until = Instant.now().plus(claimLength);
        claim.renew(until, null);
        return new ReclaimResult.Renewed(until);
    }

    @Override
    public boolean isStillRunning(WorkClaim claim) throws java.io.IOException {
        statusPolls.incrementAndGet();
        if (statusUnreachable) throw new java.net.ConnectException("connection refused (fake)");
        return !cancelled.contains(claim.taskId());
    }

    @Override
    public RunReporter reporterFor(WorkClaim claim) {
        return reporters.computeIfAbsent(claim.taskId(), id -> new RecordingReporter());
    }

    RecordingReporter reporter(String taskId) {
        return reporters.get(taskId);
    }

    List<Reclaim> reclaimsOf(String taskId) {
        return reclaims.stream().filter(r -> r.taskId().equals(taskId)).toList();
    }
}
