package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import dev.berth.worker.runtime.ContainerAdditions;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.ImageReference;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.PathNotFoundException;
import dev.berth.worker.runtime.RegistryCredentials;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} on the Docker Engine API through docker-java (core +
 * transport-httpclient5). This package is the only place in Berth that imports docker-java.
 */
public final class DockerContainerRuntime implements ContainerRuntime, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerContainerRuntime.class);

    /** Always set: setuid binaries cannot gain privileges the task did not start with. */
    static final String NO_NEW_PRIVILEGES = "no-new-privileges";

    /**
     * Dropped on top of Docker's default capability set: raw sockets (packet spoofing on the host
     * network bridge), device nodes, and audit log writes are not needed by build and test tasks.
     */
    static final List<Capability> DROPPED_CAPABILITIES = List.of(Capability.NET_RAW, Capability.MKNOD, Capability.AUDIT_WRITE);

    private final DockerRuntimeConfig config;
    private final DockerClient docker;
    private final DockerNetworks networks;
    /** Images seen present, trusted while the engine's image events say none went since. */
    private final ImagePresence presence;
    /** Images {@link #ensureImage} let pass on {@link #presence} alone, without asking the engine. */
    private final java.util.Set<String> passedUnasked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public DockerContainerRuntime(DockerRuntimeConfig config) {
        this.config = config;
        this.docker = DockerClients.open(config);
        this.networks = new DockerNetworks(docker, this::engineGone);
        this.presence = new ImagePresence(docker);
    }

    @Override
    public void ping() {
        try {
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new EngineUnavailableException("the Docker engine at " + config.dockerHost() + " does not answer: "
                    + firstLine(e), e);
        }
    }

    /**
     * The engine's own answers are {@link DockerException}s; a failure to reach it at all (refused
     * connection, broken stream, closed socket) comes from the transport with an IOException inside.
     */
    private boolean unreachable(Throwable e) {
        if (e instanceof DockerException) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) return true;
        }
        return false;
    }

    private RuntimeException engineGone(String doing, RuntimeException e) {
        if (e instanceof ContainerRuntimeException || !unreachable(e)) return e;
        return new EngineUnavailableException("the Docker engine at " + config.dockerHost() + " went away while "
                + doing + ": " + firstLine(e), e);
    }

    @Override
    public void ensureImage(String image) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(image);
        } catch (IllegalArgumentException e) {
            throw new ImageUnavailableException(image, true, "invalid image name '" + image + "'", e);
        }
        if (presence.knownPresent(ref.canonical())) {
            passedUnasked.add(ref.canonical());
            return;
        }
        passedUnasked.remove(ref.canonical());
        long before = presence.before();
        try {
            if (isPresent(ref.canonical())) {
                presence.seenPresent(ref.canonical(), before);
                return;
            }
        } catch (BadRequestException e) {
            // the engine refuses the name itself (e.g. upper case): the task's mistake, like an unknown image
            throw new ImageUnavailableException(image, true, "invalid image name '" + image + "': " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("looking for image " + image, e);
        }
        var pull = docker.pullImageCmd(ref.repository());
        pull = ref.digest() != null ? pull.withTag(ref.digest()) : pull.withTag(ref.tag());
        credentialsFor(ref.registry()).ifPresent(pull::withAuthConfig);
        PullImageResultCallback callback = new PullImageResultCallback();
        try {
            boolean done = pull.exec(callback).awaitCompletion(config.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                callback.close();
                throw new ImageUnavailableException(image, false,
                        "image " + image + " could not be pulled within " + config.pullTimeout(), null);
            }
        } catch (ImageUnavailableException e) {
            throw e;
        } catch (NotFoundException e) {
            throw new ImageUnavailableException(image, true, "image " + image + " not found: " + firstLine(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageUnavailableException(image, false, "pull of " + image + " interrupted", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof RuntimeException r && unreachable(r)) throw engineGone("pulling " + image, r);
            String why = firstLine(e);
            throw new ImageUnavailableException(image, saysDoesNotExist(why),
                    "image " + image + " cannot be pulled: " + why, e);
        }
        if (!isPresent(ref.canonical())) {
            throw new ImageUnavailableException(image, false, "image " + image + " still missing after pulling it", null);
        }
    }

    private boolean isPresent(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private Optional<AuthConfig> credentialsFor(String registry) {
        for (RegistryCredentials c : config.registries()) {
            if (c.registry().equalsIgnoreCase(registry)) {
                return Optional.of(new AuthConfig()
                        .withRegistryAddress(registry)
                        .withUsername(c.username())
                        .withPassword(c.password()));
            }
        }
        return Optional.empty();
    }

    /** Registries word "does not exist" differently; these are the ones Docker 20.10+ passes through. */
    private static boolean saysDoesNotExist(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("not found") || m.contains("manifest unknown") || m.contains("does not exist")
                || m.contains("repository name must") || m.contains("invalid reference format");
    }

    @Override
    public String createContainer(ContainerSpec spec) {
        HostConfig host = HostConfig.newHostConfig()
                .withPrivileged(false)
                .withSecurityOpts(List.of(NO_NEW_PRIVILEGES))
                .withCapDrop(DROPPED_CAPABILITIES.toArray(Capability[]::new))
                .withMemory(spec.limits().memoryBytes())
                // swap limit = memory limit: no swap, so running out of memory is an OOM kill
                .withMemorySwap(spec.limits().memoryBytes())
                .withPidsLimit(spec.limits().pidsLimit());
        if (spec.limits().nanoCpus() > 0) host.withNanoCPUs(spec.limits().nanoCpus());
        HostAccessConfig.apply(spec.hostAccess(), host, NO_NEW_PRIVILEGES);
        if (!spec.volumes().isEmpty()) {
            host.withBinds(spec.volumes().stream()
                    .map(v -> new Bind(v.volumeName(), new Volume(v.containerPath()),
                            v.readOnly() ? com.github.dockerjava.api.model.AccessMode.ro : com.github.dockerjava.api.model.AccessMode.rw))
                    .toList());
        }
        Map<String, String> labels = new java.util.HashMap<>(spec.labels());
        labels.put(LABEL_MANAGED, "true");
        List<String> env = new ArrayList<>();
        spec.env().forEach((k, v) -> env.add(k + "=" + v));
        try {
            var create = docker.createContainerCmd(spec.image())
                    .withEnv(env)
                    .withLabels(labels)
                    .withTty(false)
                    .withAttachStdin(false)
                    .withStdinOpen(false)
                    .withHostConfig(host);
            if (!spec.command().isEmpty()) create.withCmd(spec.command());
            if (spec.workingDir() != null) create.withWorkingDir(spec.workingDir());
            if (spec.user() != null) create.withUser(spec.user());
            ContainerAdditionsConfig.apply(withImageCommand(spec), host, create);
            return create.exec().getId();
        } catch (NotFoundException e) {
            if (goneSincePassedUnasked(spec.image())) {
                // removed just before its event came: look for it (pull it) again, and create once more
                LOG.info("image {} went from the engine just before the worker heard of it; looking for it again", spec.image());
                presence.forgetAll();
                ensureImage(spec.image());
                return createContainer(spec);
            }
            throw new ContainerRuntimeException("cannot create a container from " + spec.image() + ": " + firstLine(e), e);
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot create a container from " + spec.image() + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("creating a container", e);
        }
    }

    /** Whether {@link #ensureImage} would let {@code image} pass without asking the engine now (tests). */
    boolean knownPresent(String image) {
        return presence.knownPresent(ImageReference.parse(image).canonical());
    }

    /** Whether the engine's image events are followed, so that images seen present are trusted (tests). */
    boolean followsImageEvents() {
        return presence.listening();
    }

    /** Whether {@code image} was let pass without asking the engine (forgotten here: the retry asks). */
    private boolean goneSincePassedUnasked(String image) {
        try {
            return passedUnasked.remove(ImageReference.parse(image).canonical());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The additions with {@link ContainerAdditions#IMAGE_COMMAND} in the entrypoint replaced by what the image runs. */
    private ContainerAdditions withImageCommand(ContainerSpec spec) {
        ContainerAdditions a = spec.additions();
        if (a == null || !a.entrypoint().contains(ContainerAdditions.IMAGE_COMMAND)) return a;
        var image = docker.inspectImageCmd(spec.image()).exec().getConfig();
        List<String> imageCommand = new ArrayList<>();
        if (image != null && image.getEntrypoint() != null) imageCommand.addAll(List.of(image.getEntrypoint()));
        if (spec.command().isEmpty() && image != null && image.getCmd() != null) imageCommand.addAll(List.of(image.getCmd()));
        List<String> entrypoint = new ArrayList<>();
        for (String part : a.entrypoint()) {
            if (part.equals(ContainerAdditions.IMAGE_COMMAND)) entrypoint.addAll(imageCommand);
            else entrypoint.add(part);
        }
        return new ContainerAdditions(a.network(), a.networkAliases(), a.extraHosts(), a.capAdd(), a.securityOpts(),
                a.binds(), entrypoint);
    }

    @Override
    public void startContainer(String containerId) {
        try {
            docker.startContainerCmd(containerId).exec();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot start container " + containerId + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("starting container " + containerId, e);
        }
    }

    @Override
    public OutputStreamHandle followOutput(String containerId, OutputSink sink) {
        FollowCallback callback = new FollowCallback(sink);
        // logs (not attach) from the beginning: nothing written between start and this call is lost
        docker.logContainerCmd(containerId)
                .withStdOut(true)
                .withStdErr(true)
                .withFollowStream(true)
                .exec(callback);
        return callback;
    }

    /** Decodes the multiplexed (non-TTY) stream frames into plain chunks for the sink. */
    private static final class FollowCallback extends ResultCallback.Adapter<Frame> implements OutputStreamHandle {
        private final OutputSink sink;
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile boolean closed;

        FollowCallback(OutputSink sink) { this.sink = sink; }

        @Override
        public void onNext(Frame frame) {
            if (closed) return;
            if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.STDERR
                    || frame.getStreamType() == StreamType.RAW) {
                byte[] payload = frame.getPayload();
                if (payload != null && payload.length > 0) sink.write(payload);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            if (!closed) LOG.warn("container output stream broke: {}", throwable.toString());
            ended.countDown();
        }

        @Override
        public void onComplete() {
            ended.countDown();
        }

        @Override
        public boolean awaitEnd(Duration timeout) throws InterruptedException {
            return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            closed = true;
            try {
                super.close();
            } catch (IOException e) {
                LOG.debug("closing output stream", e);
            }
            ended.countDown();
        }
    }

    @Override
    public Optional<ContainerExit> awaitExit(String containerId, Duration timeout) {
        WaitCallback callback;
        try {
            callback = docker.waitContainerCmd(containerId).exec(new WaitCallback());
        } catch (RuntimeException e) {
            throw engineGone("waiting for container " + containerId, e);
        }
        try {
            boolean exited = callback.awaitCompletion(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            if (!exited) return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            closeQuietly(callback);
        }
        // A wait that broke off (rather than answered) means the engine went away: a restarted engine
        // stops its containers, and whatever exit it reports then is the engine's doing, not the task's.
        Throwable broke = callback.error;
        if (broke instanceof DockerException && !(broke instanceof NotFoundException)) {
            throw new ContainerRuntimeException("waiting for container " + containerId + " failed: " + firstLine(broke), broke);
        }
        if (broke != null && !(broke instanceof NotFoundException)) {
            throw new EngineUnavailableException("the Docker engine at " + config.dockerHost()
                    + " went away while container " + containerId + " ran: " + firstLine(broke), broke);
        }
        // the wait response carries the code, but only inspect knows about OOM kills
        InspectContainerResponse.ContainerState state;
        try {
            state = docker.inspectContainerCmd(containerId).exec().getState();
        } catch (NotFoundException e) {
            throw new ContainerRuntimeException(dev.berth.core.BerthException.Kind.NOT_FOUND, "container " + containerId + " vanished", e);
        } catch (RuntimeException e) {
            throw engineGone("inspecting container " + containerId, e);
        }
        if (Boolean.TRUE.equals(state.getRunning())) return Optional.empty();
        Long code = state.getExitCodeLong();
        return Optional.of(new ContainerExit(code == null ? -1 : code, Boolean.TRUE.equals(state.getOOMKilled())));
    }

    /** Remembers how a wait ended, so a broken stream is told apart from an exit. */
    private static final class WaitCallback extends WaitContainerResultCallback {
        volatile Throwable error;

        /** Instead of the template's: it logs every broken wait at ERROR, and the caller says what it means. */
        @Override
        public void onError(Throwable throwable) {
            error = throwable;
            try {
                close();
            } catch (IOException e) {
                LOG.debug("closing a broken wait", e);
            }
        }
    }

    /** How long the engine gets to list a container's past kill/stop events. */
    static final Duration EVENTS_WAIT = Duration.ofSeconds(5);

    /**
     * Reads the engine's own record: a {@code kill} or {@code stop} event on the container since
     * {@code since}. A process that signals itself (or its container's init) leaves no such event;
     * the engine's shutdown, {@code docker stop} and {@code docker kill} do.
     */
    @Override
    public boolean stoppedThroughEngine(String containerId, Instant since) {
        EventsCallback callback = new EventsCallback();
        try {
            docker.eventsCmd()
                    .withSince(epochSeconds(since))
                    .withUntil(epochSeconds(Instant.now()))
                    .withContainerFilter(containerId)
                    .withEventFilter("kill", "stop")
                    .exec(callback);
        } catch (RuntimeException e) {
            throw engineGone("reading the events of container " + containerId, e);
        }
        try {
            if (!callback.awaitCompletion(EVENTS_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                // an engine in the middle of shutting down may accept the call and never answer it
                ping();
                throw new ContainerRuntimeException("the events of container " + containerId + " did not come within "
                        + EVENTS_WAIT.toSeconds() + "s", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException("interrupted while reading the events of container " + containerId, e);
        } finally {
            closeQuietly(callback);
        }
        Throwable broke = callback.error;
        if (broke instanceof RuntimeException r && unreachable(r)) throw engineGone("reading the events of container " + containerId, r);
        if (broke != null) {
            throw new ContainerRuntimeException("reading the events of container " + containerId + " failed: " + firstLine(broke), broke);
        }
        if (!callback.seen.isEmpty()) LOG.debug("container {} was stopped through the engine: {}", containerId, callback.seen);
        return !callback.seen.isEmpty();
    }

    /** The engine's time format for since/until: seconds with a fraction. */
    private static String epochSeconds(Instant t) {
        return String.format(Locale.ROOT, "%d.%09d", t.getEpochSecond(), t.getNano());
    }

    private static final class EventsCallback extends ResultCallback.Adapter<Event> {
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile Throwable error;

        @Override
        public void onNext(Event event) {
            seen.add(event.getAction() != null ? event.getAction() : String.valueOf(event.getStatus()));
        }

        /** Instead of the template's ERROR log: the caller says what a broken stream means. */
        @Override
        public void onError(Throwable throwable) {
            error = throwable;
            try {
                close();
            } catch (IOException e) {
                LOG.debug("closing a broken events stream", e);
            }
        }
    }

    @Override
    public void kill(String containerId) {
        try {
            docker.killContainerCmd(containerId).exec();
        } catch (NotFoundException | ConflictException e) {
            LOG.debug("kill {}: not running ({})", containerId, e.getMessage());
        } catch (DockerException e) {
            // the engine answers 500 when the container stopped between our look and the kill
            if (!firstLine(e).toLowerCase(Locale.ROOT).contains("is not running")) {
                throw new ContainerRuntimeException("cannot kill container " + containerId + ": " + firstLine(e), e);
            }
        } catch (RuntimeException e) {
            throw engineGone("killing container " + containerId, e);
        }
    }

    @Override
    public InputStream copyFromContainer(String containerId, String path) {
        try {
            return docker.copyArchiveFromContainerCmd(containerId, path).exec();
        } catch (NotFoundException e) {
            throw new PathNotFoundException(path, e);
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot copy " + path + " out of container " + containerId + ": " + firstLine(e), e);
        }
    }

    @Override
    public void removeContainer(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            LOG.debug("remove {}: already gone", containerId);
        } catch (ConflictException e) {
            // "removal already in progress": another cleanup got there first
            LOG.debug("remove {}: {}", containerId, e.getMessage());
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot remove container " + containerId + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("removing container " + containerId, e);
        }
    }

    @Override
    public List<ContainerSummary> listContainers(Map<String, String> labels) {
        List<Container> found;
        try {
            found = docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
        } catch (RuntimeException e) {
            throw engineGone("listing containers", e);
        }
        return found.stream()
                .map(c -> new ContainerSummary(c.getId(), c.getImage(), c.getState(), c.getLabels()))
                .toList();
    }

    @Override
    public void createVolume(String name, Map<String, String> labels, Map<String, String> options) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put(LABEL_MANAGED, "true");
        try {
            var create = docker.createVolumeCmd().withName(name).withLabels(all);
            if (!options.isEmpty()) create.withDriver("local").withDriverOpts(options);
            create.exec();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot create volume " + name + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("creating volume " + name, e);
        }
    }

    @Override
    public List<dev.berth.worker.runtime.VolumeSummary> listVolumes(Map<String, String> labels) {
        List<String> filter = labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        List<com.github.dockerjava.api.command.InspectVolumeResponse> found;
        try {
            found = docker.listVolumesCmd().withFilter("label", filter).exec().getVolumes();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot list volumes: " + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone("listing volumes", e);
        }
        if (found == null) return List.of();
        // the engine's label filter is exact already; checked again so a lenient engine cannot hand out others' volumes
        return found.stream()
                .filter(v -> v.getLabels() != null && v.getLabels().entrySet().containsAll(labels.entrySet()))
                .map(v -> new dev.berth.worker.runtime.VolumeSummary(v.getName(), v.getLabels()))
                .toList();
    }

    @Override
    public void removeVolume(String name) {
        call("removing volume " + name, "cannot remove volume " + name + ": ", () -> {
            try {
                docker.removeVolumeCmd(name).exec();
            } catch (NotFoundException e) {
                LOG.debug("remove volume {}: already gone", name);
            }
            return null;
        });
    }

    @Override
    public void loadImage(InputStream tar) {
        java.nio.file.Path socket = UnixSocketImageLoad.socketOf(config.dockerHost());
        if (socket != null) {
            // large chunks on the local socket: as fast as docker load (see UnixSocketImageLoad)
            new UnixSocketImageLoad(socket, config.dockerHost()).load(tar);
            return;
        }
        call("loading an image", "", () -> docker.loadImageCmd(tar).exec());
    }

    @Override
    public String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output) {
        return buildImage(context, tag, output, null);
    }

    @Override
    public String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output, Duration timeout) {
        com.github.dockerjava.api.command.BuildImageResultCallback callback = new com.github.dockerjava.api.command.BuildImageResultCallback() {
            @Override
            public void onNext(com.github.dockerjava.api.model.BuildResponseItem item) {
                if (item.getStream() != null) item.getStream().lines().forEach(output);
                super.onNext(item);
            }
        };
        return call("building image " + tag, "the image build failed: ", () -> {
            try {
                // forcerm: a failed step's container goes too (rm alone keeps it)
                docker.buildImageCmd(context.toFile()).withTags(java.util.Set.of(tag)).withPull(false).withForcerm(true).exec(callback);
                if (timeout != null && !callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    // closing the answer's stream ends the request; the engine cancels the build with it
                    closeQuietly(callback);
                    throw new dev.berth.worker.runtime.BuildTimeoutException(timeout);
                }
                return callback.awaitImageId();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeQuietly(callback);
                throw new ContainerRuntimeException("interrupted while building image " + tag, e);
            } catch (com.github.dockerjava.api.exception.DockerClientException e) {
                // the build's own error (a failing RUN, a missing FROM image) arrives here
                throw new ContainerRuntimeException("the image build failed: " + firstLine(e), e);
            }
        });
    }

    @Override
    public InputStream saveImage(String image) {
        return call("saving image " + image, "cannot save image " + image + ": ", () -> docker.saveImageCmd(image).exec());
    }

    @Override
    public String commitContainer(String containerId, String repository, String tag, Map<String, String> labels) {
        return call("committing container " + containerId, "cannot commit container " + containerId + ": ",
                () -> docker.commitCmd(containerId).withRepository(repository).withTag(tag).withLabels(labels).exec());
    }

    @Override
    public dev.berth.worker.runtime.TaskNetwork createNetwork(String name, Map<String, String> labels) {
        return networks.create(name, labels);
    }

    @Override
    public void removeNetwork(String idOrName) {
        networks.remove(idOrName);
    }

    @Override
    public List<dev.berth.worker.runtime.TaskNetwork> listNetworks(Map<String, String> labels) {
        return networks.list(labels);
    }

    @Override
    public java.util.Optional<String> containerAddress(String containerId, String networkName) {
        return call("inspecting container " + containerId, "cannot inspect container " + containerId + ": ", () -> {
            var settings = docker.inspectContainerCmd(containerId).exec().getNetworkSettings();
            var attached = settings == null || settings.getNetworks() == null ? null : settings.getNetworks().get(networkName);
            String ip = attached == null ? null : attached.getIpAddress();
            return ip == null || ip.isEmpty() ? java.util.Optional.<String>empty() : java.util.Optional.of(ip);
        });
    }

    @Override
    public boolean imageExists(String image) {
        return call("looking for image " + image, "cannot look for image " + image + ": ", () -> {
            try {
                docker.inspectImageCmd(image).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            }
        });
    }

    @Override
    public void removeImage(String image) {
        // the name given may be any of the image's names: forget them all (the event stream would say so too)
        presence.forgetAll();
        call("removing image " + image, "cannot remove image " + image + ": ", () -> {
            try {
                docker.removeImageCmd(image).withForce(false).exec();
            } catch (NotFoundException e) {
                LOG.debug("remove image {}: already gone", image);
            }
            return null;
        });
    }

    /**
     * One call to the engine: its refusal becomes a ContainerRuntimeException, {@code refused} then the engine's
     * reason; an engine that cannot be reached, an EngineUnavailableException saying what was being done.
     */
    private <T> T call(String doing, String refused, java.util.function.Supplier<T> engineCall) {
        try {
            return engineCall.get();
        } catch (DockerException e) {
            throw new ContainerRuntimeException(refused + firstLine(e), e);
        } catch (RuntimeException e) {
            throw engineGone(doing, e);
        }
    }

    @Override
    public java.util.Optional<java.nio.file.Path> localRootDir() {
        if (!config.dockerHost().startsWith("unix://")) return java.util.Optional.empty();
        try {
            String dir = docker.infoCmd().exec().getDockerRootDir();
            if (dir == null) return java.util.Optional.empty();
            java.nio.file.Path path = java.nio.file.Path.of(dir);
            return java.nio.file.Files.isDirectory(path) ? java.util.Optional.of(path) : java.util.Optional.empty();
        } catch (RuntimeException e) {
            LOG.debug("cannot read the engine's root directory: {}", e.toString());
            return java.util.Optional.empty();
        }
    }

    @Override
    public dev.berth.worker.runtime.ExecSession exec(String containerId, List<String> command, boolean tty,
                                                     dev.berth.worker.runtime.ExecSession.ExecListener listener) {
        try {
            return DockerExec.start(docker, containerId, command, tty, listener);
        } catch (ContainerRuntimeException e) {
            throw e;
        } catch (RuntimeException e) {
            throw engineGone("starting a process in container " + containerId, e);
        }
    }

    /**
     * Raw engine view of a container for checks that the port deliberately does not expose
     * (tests of the security defaults). Returns the inspect response.
     */
    public InspectContainerResponse inspect(String containerId) {
        return docker.inspectContainerCmd(containerId).exec();
    }

    @Override
    public void close() throws IOException {
        presence.close();
        docker.close();
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        // docker-java prefixes "Status 404: " and wraps the engine's JSON body
        int brace = m.indexOf("{\"message\":\"");
        if (brace >= 0) {
            int end = m.indexOf('"', brace + 12);
            while (end > 0 && m.charAt(end - 1) == '\\') end = m.indexOf('"', end + 1);
            if (end > 0) m = m.substring(brace + 12, end);
        }
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("close", e);
        }
    }
}
