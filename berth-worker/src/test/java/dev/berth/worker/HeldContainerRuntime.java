package dev.berth.worker;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.PathNotFoundException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutionException;

/**
 * A fake engine whose containers run until the test ends them ({@link #exit}) or the worker kills
 * them: unlike the runner tests' fake, a container here really blocks its run thread, which is what
 * the claim loop's capacity, reclaim and cancellation are about.
 */
final class HeldContainerRuntime implements ContainerRuntime {

    final List<ContainerSpec> created = new CopyOnWriteArrayList<>();
    final List<String> killed = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();
    final List<ContainerSummary> leftovers = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<ContainerExit>> exits = new ConcurrentHashMap<>();
    private volatile boolean engineDown;
    final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The engine stops, as a restarted dockerd does: every container dies with it, waits on them
     * break off, and nothing answers until {@link #engineUp()}.
     */
    void engineDown() {
        engineDown = true;
        exits.forEach((id, exit) -> exit.completeExceptionally(gone("container " + id + " ran")));
    }

    void engineUp() {
        engineDown = false;
        pingsBeforeDown.set(-1);
    }

    /** Pings the engine still answers before it goes (-1: no restart under way). */
    private final java.util.concurrent.atomic.AtomicInteger pingsBeforeDown = new java.util.concurrent.atomic.AtomicInteger(-1);

    /**
     * The engine restarts as dockerd does: it stops every container first (waits on them break off) but still
     * answers {@code pings} more pings, and only then goes away until {@link #engineUp()}.
     */
    void engineRestarting(int pings) {
        pingsBeforeDown.set(pings);
        exits.forEach((id, exit) -> exit.completeExceptionally(gone("container " + id + " ran")));
    }

    /** While set, removals fail as they do in the moment an engine restarts (the container stays behind). */
    volatile boolean removalsFail;

    private static EngineUnavailableException gone(String doing) {
        return new EngineUnavailableException("the Docker engine at fake:// went away while " + doing
                + ": connection refused", new java.io.IOException("connection refused"));
    }

    private void requireEngine(String doing) {
        if (engineDown) throw gone(doing);
    }

    @Override
    public void ping() {
        pings.incrementAndGet();
        if (pingsBeforeDown.get() >= 0 && pingsBeforeDown.getAndDecrement() == 0) engineDown = true;
        requireEngine("being asked");
    }

    /** Ends the container of {@code taskId} with {@code code}. */
    void exit(String taskId, long code) {
        for (int i = 0; i < created.size(); i++) {
            if (taskId.equals(created.get(i).labels().get(LABEL_TASK_ID))) exits.get(id(i)).complete(new ContainerExit(code, false));
        }
    }

    boolean wasKilled(String taskId) {
        for (int i = 0; i < created.size(); i++) {
            if (taskId.equals(created.get(i).labels().get(LABEL_TASK_ID)) && killed.contains(id(i))) return true;
        }
        return false;
    }

    private static String id(int index) {
        return "held" + index;
    }

    @Override
    public void ensureImage(String image) {}

    @Override
    public synchronized String createContainer(ContainerSpec spec) {
        requireEngine("creating a container");
        String id = id(created.size());
        exits.put(id, new CompletableFuture<>());
        created.add(spec);
        return id;
    }

    @Override
    public void startContainer(String containerId) {}

    @Override
    public OutputStreamHandle followOutput(String containerId, OutputSink sink) {
        sink.write(("hello from " + containerId + "\n").getBytes(StandardCharsets.UTF_8));
        return new OutputStreamHandle() {
            @Override
            public boolean awaitEnd(Duration timeout) { return true; }

            @Override
            public void close() {}
        };
    }

    @Override
    public Optional<ContainerExit> awaitExit(String containerId, Duration timeout) {
        try {
            return Optional.of(exits.get(containerId).get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EngineUnavailableException gone) throw gone;
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void kill(String containerId) {
        requireEngine("killing " + containerId);
        killed.add(containerId);
        CompletableFuture<ContainerExit> exit = exits.get(containerId);
        if (exit != null) exit.complete(new ContainerExit(137, false));
    }

    @Override
    public InputStream copyFromContainer(String containerId, String path) {
        throw new PathNotFoundException(path, null);
    }

    @Override
    public void removeContainer(String containerId) {
        if (engineDown || removalsFail) {
            // the dead container stays behind for the worker to clean up once the engine is back
            int index = Integer.parseInt(containerId.substring(4));
            Map<String, String> labels = new java.util.HashMap<>(created.get(index).labels());
            labels.put(LABEL_MANAGED, "true");
            if (leftovers.stream().noneMatch(c -> c.id().equals(containerId))) {
                leftovers.add(new ContainerSummary(containerId, "busybox", "exited", labels));
            }
            throw gone("removing " + containerId);
        }
        removed.add(containerId);
        leftovers.removeIf(c -> c.id().equals(containerId));
    }

    @Override
    public List<ContainerSummary> listContainers(Map<String, String> labels) {
        requireEngine("listing containers");
        return leftovers.stream().filter(c -> c.labels().entrySet().containsAll(labels.entrySet())).toList();
    }
}
