package dev.berth.worker.run;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.PathNotFoundException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** A scripted engine: every container prints {@link #output} and exits as {@link #exit} says. */
class FakeContainerRuntime implements ContainerRuntime {

    Set<String> missingImages = Set.of();
    String output = "";
    ContainerExit exit = new ContainerExit(0, false);
    /** Never exits on its own (for maxRunTime), until killed. */
    boolean runsForever;
    /** Called when the runner starts waiting for the exit (e.g. to cancel meanwhile). */
    Runnable whileWaiting = () -> {};
    /** Called while the runner starts the container. */
    Runnable onStart = () -> {};
    /** Path in the container → files (relative name → content); a single "" key makes it a file. */
    final Map<String, Map<String, String>> files = new HashMap<>();

    /** Whether the engine's record shows the container stopped through it (its shutdown, docker stop/kill). */
    boolean stoppedThroughEngine;
    /** The engine stops answering right after the container ended (a graceful restart's last moments). */
    boolean goneAfterExit;
    /** Pings (and image look-ups) fail until this many pings have been answered with a failure. */
    int engineDownForPings;
    final List<String> pings = new CopyOnWriteArrayList<>();

    final List<ContainerSpec> created = new CopyOnWriteArrayList<>();
    final List<String> killed = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();
    private volatile boolean wasKilled;

    @Override
    public void ping() {
        pings.add("ping");
        if (engineDownForPings > 0) {
            engineDownForPings--;
            throw gone("being asked");
        }
    }

    private static dev.berth.worker.runtime.EngineUnavailableException gone(String doing) {
        return new dev.berth.worker.runtime.EngineUnavailableException("the Docker engine at fake:// went away while " + doing
                + ": connection refused", new IOException("connection refused"));
    }

    @Override
    public boolean stoppedThroughEngine(String containerId, java.time.Instant since) {
        if (goneAfterExit) throw gone("reading the events of container " + containerId);
        return stoppedThroughEngine;
    }

    @Override
    public void ensureImage(String image) {
        if (engineDownForPings > 0) throw gone("looking for image " + image);
        if (missingImages.contains(image)) throw new ImageUnavailableException(image, true, "image " + image + " not found", null);
    }

    @Override
    public String createContainer(ContainerSpec spec) {
        created.add(spec);
        return "c" + created.size();
    }

    @Override
    public void startContainer(String containerId) {
        onStart.run();
    }

    @Override
    public OutputStreamHandle followOutput(String containerId, OutputSink sink) {
        if (!output.isEmpty()) sink.write(output.getBytes(StandardCharsets.UTF_8));
        return new OutputStreamHandle() {
            @Override
            public boolean awaitEnd(Duration timeout) { return true; }

            @Override
            public void close() {}
        };
    }

    @Override
    public Optional<ContainerExit> awaitExit(String containerId, Duration timeout) {
        whileWaiting.run();
        if (runsForever && !wasKilled) return Optional.empty();
        return Optional.of(wasKilled ? new ContainerExit(137, false) : exit);
    }

    @Override
    public void kill(String containerId) {
        killed.add(containerId);
        wasKilled = true;
    }

    @Override
    public InputStream copyFromContainer(String containerId, String path) {
        Map<String, String> content = files.get(path);
        if (content == null) throw new PathNotFoundException(path, null);
        String base = path.substring(path.lastIndexOf('/') + 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            if (content.size() == 1 && content.containsKey("")) {
                addFile(tar, base, content.get(""));
            } else {
                TarArchiveEntry dir = new TarArchiveEntry(base + "/");
                tar.putArchiveEntry(dir);
                tar.closeArchiveEntry();
                for (Map.Entry<String, String> f : content.entrySet()) addFile(tar, base + "/" + f.getKey(), f.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    private static void addFile(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    @Override
    public void removeContainer(String containerId) {
        removed.add(containerId);
        removals.add("container:" + containerId);
    }

    @Override
    public List<ContainerSummary> listContainers(Map<String, String> labels) {
        return new ArrayList<>();
    }

    /** Networks by name; removed ones are remembered in order with the containers removed, to check the order. */
    final Map<String, dev.berth.worker.runtime.TaskNetwork> networks = new java.util.concurrent.ConcurrentHashMap<>();
    /** Containers and networks removed, in order ("container:<id>", "network:<name>"). */
    final List<String> removals = new CopyOnWriteArrayList<>();

    @Override
    public dev.berth.worker.runtime.TaskNetwork createNetwork(String name, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(LABEL_MANAGED, "true");
        dev.berth.worker.runtime.TaskNetwork n = new dev.berth.worker.runtime.TaskNetwork("net-" + name, name,
                "172.30." + networks.size() + ".1", all);
        if (networks.putIfAbsent(name, n) != null) throw new dev.berth.worker.runtime.ContainerRuntimeException("network " + name + " exists", null);
        return n;
    }

    @Override
    public void removeNetwork(String idOrName) {
        networks.values().removeIf(n -> {
            if (!n.id().equals(idOrName) && !n.name().equals(idOrName)) return false;
            removals.add("network:" + n.name());
            return true;
        });
    }

    @Override
    public List<dev.berth.worker.runtime.TaskNetwork> listNetworks(Map<String, String> labels) {
        return networks.values().stream().filter(n -> n.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** Named volumes: name → labels. */
    final Map<String, Map<String, String>> volumes = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> volumesRemoved = new CopyOnWriteArrayList<>();

    @Override
    public void createVolume(String name, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(LABEL_MANAGED, "true");
        if (volumes.putIfAbsent(name, all) != null) throw new dev.berth.worker.runtime.ContainerRuntimeException("volume " + name + " exists", null);
    }

    @Override
    public List<dev.berth.worker.runtime.VolumeSummary> listVolumes(Map<String, String> labels) {
        return volumes.entrySet().stream().filter(e -> e.getValue().entrySet().containsAll(labels.entrySet()))
                .map(e -> new dev.berth.worker.runtime.VolumeSummary(e.getKey(), e.getValue())).toList();
    }

    @Override
    public void removeVolume(String name) {
        if (volumes.remove(name) != null) volumesRemoved.add(name);
    }
}
