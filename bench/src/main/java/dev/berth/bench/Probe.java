package dev.berth.bench;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.queue.ReclaimResult;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.queue.WorkQueue;
import dev.berth.worker.run.RunReporter;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Timestamps (System.nanoTime) of the phases of each task, taken by decorating the worker's queue
 * and container runtime. Runtime calls are attributed to a task by the run thread's name
 * ({@code berth-run-<taskId>-<runId>}).
 */
final class Probe {

    static final String CREATE = "createTask call";
    static final String CREATED = "createTask answered";
    static final String CLAIMED = "claimWork answered";
    static final String LOG_CREATED = "log artifact created";
    static final String IMAGE_START = "ensureImage start";
    static final String IMAGE_DONE = "ensureImage done";
    static final String CONTAINER_CREATED = "container created";
    static final String CONTAINER_STARTED = "container started";
    static final String FOLLOWING = "log follow set up";
    static final String EXITED = "exit seen (wait + inspect)";
    static final String REMOVE_START = "remove start";
    static final String REMOVED = "container removed";
    static final String LOG_FINISH_START = "finishLog start";
    static final String LOG_FINISHED = "log finished";
    static final String REPORTED = "reportCompleted answered";
    static final String SEEN_RESOLVED = "status GET saw resolved";

    static final List<String> ORDER = List.of(CREATE, CREATED, CLAIMED, LOG_CREATED, IMAGE_START, IMAGE_DONE,
            CONTAINER_CREATED, CONTAINER_STARTED, FOLLOWING, EXITED, REMOVE_START, REMOVED, LOG_FINISH_START,
            LOG_FINISHED, REPORTED, SEEN_RESOLVED);

    private final Map<String, Map<String, Long>> marks = new ConcurrentHashMap<>();
    private final AtomicInteger claimCallsOpen = new AtomicInteger();
    private final WorkQueue queue;
    private final ContainerRuntime runtime;

    Probe(WorkQueue queue, ContainerRuntime runtime) {
        this.queue = new Queue(queue);
        this.runtime = new Runtime(runtime);
    }

    WorkQueue queue() {
        return queue;
    }

    ContainerRuntime runtime() {
        return runtime;
    }

    boolean claimPollOpen() {
        return claimCallsOpen.get() > 0;
    }

    void clear() {
        marks.clear();
    }

    void mark(String taskId, String phase) {
        long now = System.nanoTime();
        if (taskId != null) marks.computeIfAbsent(taskId, k -> new ConcurrentHashMap<>()).putIfAbsent(phase, now);
        if (REPORTED.equals(phase)) latch(taskId).countDown();
    }

    private final Map<String, java.util.concurrent.CountDownLatch> reported = new ConcurrentHashMap<>();

    private java.util.concurrent.CountDownLatch latch(String taskId) {
        return reported.computeIfAbsent(taskId, k -> new java.util.concurrent.CountDownLatch(1));
    }

    /** Waits until the worker's report call for the task returned; false when {@code timeout} passed first. */
    boolean awaitReported(String taskId, Duration timeout) throws InterruptedException {
        return latch(taskId).await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void markHere(String phase) {
        mark(currentTask(), phase);
    }

    private static String currentTask() {
        String name = Thread.currentThread().getName();
        if (!name.startsWith("berth-run-")) return null;
        String rest = name.substring("berth-run-".length());
        int dash = rest.lastIndexOf('-');
        return dash < 0 ? rest : rest.substring(0, dash);
    }

    /** Per phase, in the order of their median time since createTask started: that median, and the median step from the phase before. */
    String phaseReport(List<String> taskIds) {
        Map<String, Double> atMedian = new java.util.HashMap<>();
        for (String phase : ORDER) {
            List<Double> at = new ArrayList<>();
            for (String id : taskIds) {
                Map<String, Long> m = marks.get(id);
                if (m != null && m.containsKey(phase) && m.containsKey(CREATE)) at.add((m.get(phase) - m.get(CREATE)) / 1e6);
            }
            if (!at.isEmpty()) atMedian.put(phase, EndToEndBenchmark.percentile(at, 50));
        }
        List<String> phases = ORDER.stream().filter(atMedian::containsKey)
                .sorted(java.util.Comparator.comparingDouble(atMedian::get)).toList();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "  %-28s %10s %10s%n", "phase", "at (ms)", "step (ms)"));
        String previous = null;
        for (String phase : phases) {
            List<Double> step = new ArrayList<>();
            for (String id : taskIds) {
                Map<String, Long> m = marks.get(id);
                if (previous != null && m != null && m.containsKey(phase) && m.containsKey(previous)) {
                    step.add((m.get(phase) - m.get(previous)) / 1e6);
                }
            }
            out.append(String.format(Locale.ROOT, "  %-28s %10.1f %10s%n", phase, atMedian.get(phase),
                    step.isEmpty() ? "" : String.format(Locale.ROOT, "%.1f", EndToEndBenchmark.percentile(step, 50))));
            previous = phase;
        }
        return out.toString();
    }

    private final class Queue implements WorkQueue {
        private final WorkQueue delegate;

        Queue(WorkQueue delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<WorkClaim> claimWork(int max, Duration wait) throws IOException, InterruptedException {
            claimCallsOpen.incrementAndGet();
            try {
                List<WorkClaim> claims = delegate.claimWork(max, wait);
                for (WorkClaim c : claims) mark(c.taskId(), CLAIMED);
                return claims;
            } finally {
                claimCallsOpen.decrementAndGet();
            }
        }

        @Override
        public ReclaimResult reclaim(WorkClaim claim) throws IOException {
            return delegate.reclaim(claim);
        }

        @Override
        public boolean isStillRunning(WorkClaim claim) throws IOException {
            return delegate.isStillRunning(claim);
        }

        @Override
        public RunReporter reporterFor(WorkClaim claim) throws IOException {
            RunReporter r = delegate.reporterFor(claim);
            mark(claim.taskId(), LOG_CREATED);
            return new Reporter(claim.taskId(), r);
        }
    }

    private final class Reporter implements RunReporter, AutoCloseable {
        private final String taskId;
        private final RunReporter delegate;

        Reporter(String taskId, RunReporter delegate) {
            this.taskId = taskId;
            this.delegate = delegate;
        }

        @Override
        public void appendLog(byte[] chunk) {
            delegate.appendLog(chunk);
        }

        // forwarded, or the worker's closing lines would not be held for the finish (never called by an older worker)
        @Override
        public void holdLog() {
            delegate.holdLog();
        }

        @Override
        public void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException {
            delegate.uploadArtifact(name, contentType, expires, size, content);
        }

        @Override
        public void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException {
            delegate.createErrorArtifact(name, reason, message, expires);
        }

        @Override
        public void finishLog(String name, Instant expires) throws IOException {
            mark(taskId, LOG_FINISH_START);
            delegate.finishLog(name, expires);
            mark(taskId, LOG_FINISHED);
        }

        @Override
        public void reportCompleted() throws IOException {
            delegate.reportCompleted();
            mark(taskId, REPORTED);
        }

        @Override
        public void reportFailed() throws IOException {
            delegate.reportFailed();
            mark(taskId, REPORTED);
        }

        @Override
        public void reportException(ReasonResolved reason) throws IOException {
            delegate.reportException(reason);
            mark(taskId, REPORTED);
        }

        @Override
        public void close() throws Exception {
            if (delegate instanceof AutoCloseable c) c.close();
        }
    }

    private final class Runtime implements ContainerRuntime {
        private final ContainerRuntime delegate;

        Runtime(ContainerRuntime delegate) {
            this.delegate = delegate;
        }

        @Override
        public void ensureImage(String image) {
            markHere(IMAGE_START);
            delegate.ensureImage(image);
            markHere(IMAGE_DONE);
        }

        @Override
        public String createContainer(ContainerSpec spec) {
            String id = delegate.createContainer(spec);
            markHere(CONTAINER_CREATED);
            return id;
        }

        @Override
        public void startContainer(String containerId) {
            delegate.startContainer(containerId);
            markHere(CONTAINER_STARTED);
        }

        @Override
        public OutputStreamHandle followOutput(String containerId, OutputSink sink) {
            OutputStreamHandle h = delegate.followOutput(containerId, sink);
            markHere(FOLLOWING);
            return h;
        }

        @Override
        public Optional<ContainerExit> awaitExit(String containerId, Duration timeout) {
            Optional<ContainerExit> exit = delegate.awaitExit(containerId, timeout);
            markHere(EXITED);
            return exit;
        }

        @Override
        public void kill(String containerId) {
            delegate.kill(containerId);
        }

        @Override
        public InputStream copyFromContainer(String containerId, String path) {
            return delegate.copyFromContainer(containerId, path);
        }

        @Override
        public void removeContainer(String containerId) {
            markHere(REMOVE_START);
            delegate.removeContainer(containerId);
            markHere(REMOVED);
        }

        @Override
        public List<ContainerSummary> listContainers(Map<String, String> labels) {
            return delegate.listContainers(labels);
        }

        // the rest passes straight through: a default left in place would quietly turn a feature off

        @Override
        public void ping() {
            delegate.ping();
        }

        @Override
        public boolean stoppedThroughEngine(String containerId, java.time.Instant since) {
            return delegate.stoppedThroughEngine(containerId, since);
        }

        @Override
        public void createVolume(String name, Map<String, String> labels) {
            delegate.createVolume(name, labels);
        }

        @Override
        public void createVolume(String name, Map<String, String> labels, Map<String, String> options) {
            delegate.createVolume(name, labels, options);
        }

        @Override
        public List<dev.berth.worker.runtime.VolumeSummary> listVolumes(Map<String, String> labels) {
            return delegate.listVolumes(labels);
        }

        @Override
        public void removeVolume(String name) {
            delegate.removeVolume(name);
        }

        @Override
        public dev.berth.worker.runtime.TaskNetwork createNetwork(String name, Map<String, String> labels) {
            return delegate.createNetwork(name, labels);
        }

        @Override
        public void removeNetwork(String idOrName) {
            delegate.removeNetwork(idOrName);
        }

        @Override
        public List<dev.berth.worker.runtime.TaskNetwork> listNetworks(Map<String, String> labels) {
            return delegate.listNetworks(labels);
        }

        @Override
        public Optional<String> containerAddress(String containerId, String networkName) {
            return delegate.containerAddress(containerId, networkName);
        }

        @Override
        public void removeImage(String image) {
            delegate.removeImage(image);
        }

        @Override
        public void loadImage(InputStream tar) {
            delegate.loadImage(tar);
        }

        @Override
        public String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output) {
            return delegate.buildImage(context, tag, output);
        }

        @Override
        public InputStream saveImage(String image) {
            return delegate.saveImage(image);
        }

        @Override
        public String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output,
                                 Duration timeout) {
            return delegate.buildImage(context, tag, output, timeout);
        }

        @Override
        public String commitContainer(String containerId, String repository, String tag, Map<String, String> labels) {
            return delegate.commitContainer(containerId, repository, tag, labels);
        }

        @Override
        public dev.berth.worker.runtime.ExecSession exec(String containerId, List<String> command, boolean tty,
                                                         dev.berth.worker.runtime.ExecSession.ExecListener listener) {
            return delegate.exec(containerId, command, tty, listener);
        }

        @Override
        public boolean imageExists(String image) {
            return delegate.imageExists(image);
        }

        @Override
        public Optional<java.nio.file.Path> localRootDir() {
            return delegate.localRootDir();
        }
    }
}
