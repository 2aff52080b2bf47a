package dev.berth.worker.runtime;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The worker's narrow view of a container engine. Nothing here names Docker types, so the task
 * runner can be tested against a fake and the engine adapter can be swapped (docker-java today).
 *
 * <p>Every failure is a {@link ContainerRuntimeException} (unchecked); the ones a runner must tell
 * apart have their own subclasses: {@link ImageUnavailableException}, {@link PathNotFoundException},
 * and {@link EngineUnavailableException} when the engine cannot be reached at all.
 */
public interface ContainerRuntime {

    /** Label keys every container, volume and network the worker creates carries. */
    String LABEL_MANAGED = "dev.berth.managed";
    String LABEL_WORKER_ID = "dev.berth.worker-id";
    String LABEL_TASK_ID = "dev.berth.task-id";
    String LABEL_RUN_ID = "dev.berth.run-id";

    /**
     * Checks that the engine answers; the claim loop claims nothing while it does not. An engine
     * that cannot go away (an in-process fake) keeps this default.
     *
     * @throws EngineUnavailableException when it does not, with the reason
     */
    default void ping() {}

    /**
     * Makes sure {@code image} (a registry reference such as {@code repo/name:tag} or
     * {@code name@sha256:...}) is present locally, pulling it with the credentials configured for its
     * registry when it is not.
     *
     * @throws ImageUnavailableException when the image does not exist or cannot be pulled; its
     *     message is meant for the task log
     */
    void ensureImage(String image);

    /** Creates (does not start) a container and returns its id. */
    String createContainer(ContainerSpec spec);

    void startContainer(String containerId);

    /**
     * Streams the container's combined stdout/stderr to {@code sink} from its very start, chunk by
     * chunk as the engine delivers it, until the container exits or the returned handle is closed.
     * Chunks are delivered on a thread of the runtime's choosing, one at a time, in order.
     */
    OutputStreamHandle followOutput(String containerId, OutputSink sink);

    /**
     * Waits up to {@code timeout} for the container to exit.
     *
     * @return the exit (code and whether the kernel OOM-killed it), or empty when still running
     */
    Optional<ContainerExit> awaitExit(String containerId, Duration timeout);

    /**
     * Whether the container was stopped through the engine ({@code kill} or {@code stop} since
     * {@code since}) rather than ending by itself: the engine stopping its containers to shut down or
     * restart, or an operator's {@code docker stop}/{@code kill}. Asked only about containers the
     * worker did not kill itself; a task killing its own processes is not seen by the engine. An
     * engine that cannot be stopped under the worker (an in-process fake) keeps this default.
     *
     * @throws EngineUnavailableException when the engine does not answer (it is going away)
     */
    default boolean stoppedThroughEngine(String containerId, Instant since) {
        return false;
    }

    /** Sends SIGKILL; does nothing when the container is not running (any more). */
    void kill(String containerId);

    /**
     * Copies {@code path} (a file or a directory) out of a container, running or stopped, as a tar
     * stream. The caller closes the stream. Entry names start with the last element of {@code path}.
     *
     * @throws PathNotFoundException when nothing exists at {@code path}
     */
    InputStream copyFromContainer(String containerId, String path);

    /** Removes the container forcefully (killing it if needed) with its anonymous volumes; gone already is fine. */
    void removeContainer(String containerId);

    /** Containers (running or not) carrying every one of the given labels. */
    List<ContainerSummary> listContainers(Map<String, String> labels);

    // ---- named volumes (cache instances). An engine without them keeps these defaults, and a
    // payload asking for a cache then fails the run instead of running without it.

    /** Creates the named volume with {@code labels} ({@code dev.berth.managed=true} is added). */
    default void createVolume(String name, Map<String, String> labels) {
        createVolume(name, labels, Map.of());
    }

    /**
     * Creates the named volume with the local driver's {@code options} (e.g. {@code type=none, o=bind,
     * device=<dir>} to keep its data in a directory of the worker's choosing).
     */
    default void createVolume(String name, Map<String, String> labels, Map<String, String> options) {
        throw new ContainerRuntimeException("this container runtime has no named volumes", null);
    }

    /** Volumes carrying every one of the given labels. */
    default List<VolumeSummary> listVolumes(Map<String, String> labels) {
        throw new ContainerRuntimeException("this container runtime has no named volumes", null);
    }

    /**
     * Removes the named volume; gone already is fine.
     *
     * @throws ContainerRuntimeException when it cannot be removed, e.g. a container still uses it
     */
    default void removeVolume(String name) {
        throw new ContainerRuntimeException("this container runtime has no named volumes", null);
    }

    // ---- networks of one run (features' sidecars and endpoints). An engine without them keeps these defaults.

    /** Creates a bridge network carrying {@code labels} (plus {@link #LABEL_MANAGED}). */
    default TaskNetwork createNetwork(String name, Map<String, String> labels) {
        throw new ContainerRuntimeException("this container runtime has no networks", null);
    }

    /** Removes the network (its containers must be gone); gone already is fine. */
    default void removeNetwork(String idOrName) {
        throw new ContainerRuntimeException("this container runtime has no networks", null);
    }

    /** The networks carrying every one of {@code labels}. */
    default List<TaskNetwork> listNetworks(Map<String, String> labels) {
        return List.of();
    }

    /**
     * The container's IPv4 address on network {@code networkName} (so a per-run endpoint answers that container
     * only), or empty when it is not attached there.
     */
    default Optional<String> containerAddress(String containerId, String networkName) {
        throw new ContainerRuntimeException("this container runtime has no networks", null);
    }

    /**
     * Removes an image the worker pulled (garbage collection); never forced, so an image a container
     * still uses stays.
     *
     * @throws ContainerRuntimeException when the engine refuses
     */
    default void removeImage(String image) {
        throw new ContainerRuntimeException("this container runtime cannot remove images", null);
    }

    /**
     * Loads the images of a {@code docker save} tarball read from {@code tar} (to its end) into the engine.
     *
     * @throws ContainerRuntimeException when the engine refuses the tarball (not an image)
     */
    default void loadImage(java.io.InputStream tar) {
        throw new ContainerRuntimeException("this container runtime cannot load images", null);
    }

    /**
     * Builds the image whose context (Dockerfile and files) is directory {@code context}, tagged {@code tag}, never
     * pulling: its FROM image must be on the engine. The build's output goes to {@code output} line by line.
     *
     * @return the image id
     * @throws ContainerRuntimeException when the build fails (its reason is the engine's)
     */
    default String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output) {
        throw new ContainerRuntimeException("this container runtime cannot build images", null);
    }

    /**
     * {@link #buildImage(java.nio.file.Path, String, java.util.function.Consumer)} stopped once it ran {@code timeout}
     * (null: no limit). An engine that cannot stop a build (an in-process fake) keeps this default, which has no limit.
     *
     * @throws BuildTimeoutException when the build ran out of time; the engine was told to stop it
     */
    default String buildImage(java.nio.file.Path context, String tag, java.util.function.Consumer<String> output, Duration timeout) {
        return buildImage(context, tag, output);
    }

    /** {@code docker save} of {@code image}: a tar stream the caller reads to its end and closes. */
    default java.io.InputStream saveImage(String image) {
        throw new ContainerRuntimeException("this container runtime cannot save images", null);
    }

    /**
     * {@code docker commit}: the container (running or stopped) as image {@code repository:tag}, its config the
     * container's with {@code labels} set over it (an empty value blanks one the container carried).
     *
     * @return the new image's id
     * @throws ContainerRuntimeException when the engine refuses (no such container, an invalid name)
     */
    default String commitContainer(String containerId, String repository, String tag, Map<String, String> labels) {
        throw new ContainerRuntimeException("this container runtime cannot commit containers", null);
    }

    /** Whether the engine holds {@code image} (a name or an id). */
    default boolean imageExists(String image) {
        return false;
    }

    /** The engine's own storage directory when it is on this machine (its free space counts too), else empty. */
    default java.util.Optional<java.nio.file.Path> localRootDir() {
        return java.util.Optional.empty();
    }

    // ---- processes started in a running container (the interactive feature's shell sessions)

    /**
     * Starts {@code command} in the running container with its standard input open, attached: output and the
     * exit code go to {@code listener}. With {@code tty} the process gets a terminal (one output stream, resizable).
     */
    default ExecSession exec(String containerId, List<String> command, boolean tty, ExecSession.ExecListener listener) {
        throw new ContainerRuntimeException("this container runtime cannot start processes in a container", null);
    }
}
