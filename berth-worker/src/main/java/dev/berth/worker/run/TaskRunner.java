package dev.berth.worker.run;

import dev.berth.core.task.ReasonResolved;
import dev.berth.core.dockerworker.CacheNames;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.caches.ImageUsage;
import dev.berth.worker.payload.ArtifactSpec;
import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.images.TaskImageLoader;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.payload.PayloadProblem;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.payload.ReservedEnv;
import dev.berth.worker.capabilities.CapabilityConfig;
import dev.berth.worker.capabilities.CapabilityPolicy;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.Features;
import dev.berth.worker.features.RunFeatures;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.retry.Retrying;
import dev.berth.worker.scopes.ScopeCheck;
import dev.berth.worker.secrets.EncryptedEnv;
import dev.berth.worker.secrets.MaskingRunReporter;
import dev.berth.worker.secrets.WorkerSecrets;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one claimed run end to end: payload check, image, container, live log, maxRunTime, exit
 * status, artifacts, cleanup, resolution. One instance per run; {@link #run()} on one thread,
 * {@link #cancel()} from any other.
 */
public final class TaskRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    /** How long a killed container gets to be reported as exited by the engine. */
    static final Duration EXIT_AFTER_KILL = Duration.ofSeconds(30);
    /** How long the last output may trail the exit before the log is closed without it. */
    static final Duration OUTPUT_DRAIN = Duration.ofSeconds(10);

    private final ContainerRuntime runtime;
    private final WorkerSettings settings;
    private final PayloadValidator validator;
    private final ClaimedRun run;
    private final RunReporter reporter;
    private final TaskLog log;
    /** The reporter everything of this run goes through: secret values are masked on the way. */
    private final MaskingRunReporter masked;
    private WorkerSecrets secrets = WorkerSecrets.NONE;
    private CapabilityPolicy capabilities = new CapabilityPolicy(CapabilityConfig.NONE, path -> false);
    /** Decrypted encryptedEnv variables, once checked. */
    private Map<String, String> secretEnv = Map.of();
    private HostAccess hostAccess = HostAccess.NONE;

    /** How long a run whose engine does not answer waits for it before handing the run back. */
    public static final Duration DEFAULT_ENGINE_WAIT = EngineWait.DEFAULT_WAIT;

    private EngineWait engineWait = EngineWait.defaults();

    private final Object containerLock = new Object();
    private String containerId;
    private volatile boolean cancelled;

    private ScopeCheck scopeCheck = new ScopeCheck(ScopeCheck.AS_GIVEN, java.util.Set.of());
    private CacheManager caches;
    private CacheManager.CacheLease cacheLease;
    private volatile boolean purgeCaches;
    private ImageUsage images;
    private String imageInUse;
    private TaskImageLoader imageLoader;
    private WorkClaim claim;
    private Features features = Features.NONE;
    /** Called with the outcome just before it is reported (not when cancelled). */
    private java.util.function.Consumer<RunOutcome> beforeReport = outcome -> { };
    /** The run's features once opened; released with the container. */
    private RunFeatures runFeatures = RunFeatures.NONE;

    public TaskRunner(ContainerRuntime runtime, WorkerSettings settings, PayloadValidator validator,
                      ClaimedRun run, RunReporter reporter) {
        this.runtime = runtime;
        this.settings = settings;
        this.validator = validator;
        this.run = run;
        this.masked = new MaskingRunReporter(reporter, List.of());
        this.reporter = masked;
        this.log = new TaskLog(masked);
    }

    /** The worker's key and its configured secret values (masked in the log from the first line on). */
    public TaskRunner secrets(WorkerSecrets secrets) {
        this.secrets = java.util.Objects.requireNonNull(secrets, "secrets");
        masked.addSecrets(secrets.configuredValues());
        return this;
    }

    /** What the worker's configuration allows of {@code payload.capabilities}. */
    public TaskRunner capabilities(CapabilityPolicy capabilities) {
        this.capabilities = java.util.Objects.requireNonNull(capabilities, "capabilities");
        return this;
    }

    /**
     * How the run waits for an engine that does not answer before its container starts (an outage
     * that began just as the run was claimed): asking every {@code check} for up to {@code wait} by
     * {@code clock}, so the run is not lost to an engine that comes back (the worker keeps reclaiming
     * meanwhile). Beyond {@code wait}, the run is handed back to the queue (exception/worker-shutdown).
     */
    public TaskRunner engineWait(Clock clock, Retrying.Sleeper sleeper, Duration check, Duration wait) {
        this.engineWait = new EngineWait(clock, sleeper, check, wait);
        return this;
    }

    /**
     * How the payload's {@code docker-worker:} scopes are checked (by default against the task's scopes
     * as given, unexpanded).
     */
    public TaskRunner scopeCheck(ScopeCheck check) {
        this.scopeCheck = java.util.Objects.requireNonNull(check, "check");
        return this;
    }

    /** Where task-image and indexed-image payloads are loaded from, for this run's claim; without it they are refused. */
    public TaskRunner taskImages(TaskImageLoader loader, WorkClaim claim) {
        this.imageLoader = loader;
        this.claim = claim;
        return this;
    }

    /** Told which image the run uses while it runs (disk garbage collection spares those). */
    public TaskRunner images(ImageUsage images) {
        this.images = images;
        return this;
    }

    /** The features this worker offers ({@code payload.features}); without them, every feature is refused. */
    public TaskRunner features(Features features) {
        this.features = java.util.Objects.requireNonNull(features, "features");
        return this;
    }

    /** Told the outcome just before the run is reported (superseding uploads the primary's artifact then). */
    public TaskRunner beforeReport(java.util.function.Consumer<RunOutcome> hook) {
        this.beforeReport = java.util.Objects.requireNonNull(hook, "hook");
        return this;
    }

    /** Where the run's volume caches come from; without one, a payload with {@code cache} is refused. */
    public TaskRunner caches(CacheManager caches) {
        this.caches = caches;
        return this;
    }

    /**
     * Stops the run because the queue resolved it already (canceled, deadline, claim lost): the
     * container is killed at once and the runner uploads and reports nothing further.
     */
    public void cancel() {
        cancelled = true;
        log.mute();
        String id;
        RunFeatures opened;
        synchronized (containerLock) {
            id = containerId;
            opened = runFeatures;
        }
        opened.cancel();
        if (id != null) {
            try {
                runtime.kill(id);
            } catch (RuntimeException e) {
                LOG.warn("cancel {}/{}: kill of {} failed: {}", run.taskId(), run.runId(), id, e.toString());
            }
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Runs the task, reports how it ended and removes its container; returns the outcome. */
    public RunOutcome run() {
        try {
            return runAndReport();
        } finally {
            removeContainer();
        }
    }

    /**
     * Runs the task and reports how it ended, leaving the (stopped) container for
     * {@link #removeContainer()}: the removal is the engine's slowest step after the exit and
     * nothing in the task's log or resolution depends on it, so the worker reports first and removes
     * afterwards, off the task's critical path.
     */
    public RunOutcome runAndReport() {
        return report(runToEnd());
    }

    /**
     * How a run ended, before it is reported: its outcome and the name its log is kept under.
     *
     * @see #runToEnd()
     */
    public record Ended(RunOutcome outcome, String logName) {
        /** The engine stopped or restarted under the run (handed back exception/worker-shutdown, to be retried). */
        public boolean engineLost() {
            return outcome.exceptionReason() == ReasonResolved.WORKER_SHUTDOWN;
        }
    }

    /**
     * Runs the task up to its report: the container has exited (or never started) and the artifacts are
     * uploaded; the container is left for {@link #removeContainer()} and the report for {@link #report(Ended)},
     * which the worker runs side by side.
     */
    public Ended runToEnd() {
        RunOutcome outcome;
        String logName = DockerPayload.DEFAULT_LOG;
        try {
            log.worker("task " + run.taskId() + " run " + run.runId() + " on worker "
                    + settings.workerGroup() + "/" + settings.workerId() + " (" + settings.workerType() + ")");
            PayloadValidator.Result checked = validator.validate(run.task().payload());
            if (!checked.valid()) {
                log.worker("the payload is malformed (" + checked.problems().size() + " problem"
                        + (checked.problems().size() == 1 ? "" : "s") + "):");
                for (PayloadProblem problem : checked.problems()) log.worker("  " + problem);
                outcome = RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
            } else {
                logName = checked.payload().log();
                outcome = runValid(checked.payload());
            }
        } catch (EngineUnavailableException e) {
            // the engine stopped or restarted under the task (its container died with it): not the task's
            // doing, so the run goes back to the queue like one of a worker that shuts down, and is retried
            LOG.warn("run {}/{}: {}; handing the run back (exception/worker-shutdown)", run.taskId(), run.runId(), e.getMessage());
            log.worker(e.getMessage());
            log.worker("the run is handed back to the queue, which retries it (exception/worker-shutdown)");
            outcome = RunOutcome.exception(ReasonResolved.WORKER_SHUTDOWN, null);
        } catch (RuntimeException e) {
            // a worker or engine fault, not the task's: say so and let the queue decide on a retry
            LOG.error("run {}/{} failed inside the worker", run.taskId(), run.runId(), e);
            log.worker("internal error in the worker: " + e.getMessage());
            outcome = RunOutcome.exception(ReasonResolved.INTERNAL_ERROR, null);
        }
        return new Ended(outcome, logName);
    }

    /** Reports how the run ended (nothing when it was cancelled meanwhile); returns the outcome. */
    public RunOutcome report(Ended ended) {
        // cancel() killed the container already (or it never started); removeContainer() does the rest
        if (cancelled) return RunOutcome.cancelled();
        report(ended.outcome(), ended.logName());
        return ended.outcome();
    }

    /** An image-build task: no container of its own; the engine builds, the worker saves and uploads the image. */
    private RunOutcome buildImage(ImageSpec.Build build, Duration maxRunTime) {
        log.worker(build.describe() + " from object " + build.context());
        try {
            withEngine("building the image", () -> {
                try {
                    imageLoader.build(build, claim, run.taskId(), run.task().expires(), maxRunTime, masked, log::worker);
                    return null;
                } catch (TaskImageLoader.Failure f) {
                    throw new TaskImageFailure(f);
                } catch (TaskImageLoader.BuildFailed e) {
                    throw new BuildFailure(e);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (TaskImageFailure e) {
            log.worker(e.getCause().getMessage());
            return RunOutcome.exception(e.failure().tasksFault() ? ReasonResolved.MALFORMED_PAYLOAD
                    : ReasonResolved.RESOURCE_UNAVAILABLE, null);
        } catch (BuildFailure e) {
            log.worker(e.getMessage());
            return RunOutcome.failed(null);
        }
        return RunOutcome.completed(0);
    }

    /** An image whose Dockerfile failed, carried out of {@link #withEngine}. */
    private static final class BuildFailure extends RuntimeException {
        BuildFailure(TaskImageLoader.BuildFailed cause) { super(cause.getMessage(), cause, false, false); }
    }

    /** Marked before the container exists, so disk garbage collection cannot take the image from under it. */
    private void markInUse(String image) {
        if (images == null) return;
        images.acquire(image);
        synchronized (containerLock) {
            imageInUse = image;
        }
    }

    /** A task image that could not be had, carried out of {@link #withEngine}. */
    private static final class TaskImageFailure extends RuntimeException {
        TaskImageFailure(TaskImageLoader.Failure cause) { super(cause.getMessage(), cause, false, false); }

        TaskImageLoader.Failure failure() { return (TaskImageLoader.Failure) getCause(); }
    }

    private RunOutcome runValid(DockerPayload payload) {
        // every reason to refuse goes to the log at once, so the author fixes them all in one go
        RunOutcome refused = checkCachesAndScopes(payload);
        List<String> unsupported = unsupportedRequests(payload);
        if (!unsupported.isEmpty()) {
            log.worker("the payload asks for what this worker does not provide:");
            for (String line : unsupported) log.worker("  " + line);
            if (refused == null) refused = RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
        }
        if (refused == null) refused = checkCapabilitiesAndSecrets(payload);
        if (refused != null) return refused;
        if (payload.image() instanceof ImageSpec.Build build) return buildImage(build, Duration.ofSeconds(payload.maxRunTimeSeconds()));
        String image;
        if (payload.image() instanceof ImageSpec.RegistryImage registry) {
            image = registry.name();
            log.worker("image " + image + ", maxRunTime " + payload.maxRunTimeSeconds() + "s, memory limit "
                    + settings.limits().memoryForHumans());
            markInUse(image);
            try {
                withEngine("looking for the image", () -> {
                    runtime.ensureImage(image);
                    return null;
                });
            } catch (ImageUnavailableException e) {
                log.worker(e.getMessage());
                // A name the registry does not know is the task's mistake, like any other bad payload
                // field: malformed-payload, so nobody waits on a retry that cannot succeed. A pull that
                // failed for any other reason (registry down, credentials refused, disk full) is the
                // environment's fault: resource-unavailable. Neither is retried by the queue.
                return RunOutcome.exception(
                        e.doesNotExist() ? ReasonResolved.MALFORMED_PAYLOAD : ReasonResolved.RESOURCE_UNAVAILABLE, null);
            }
        } else {
            log.worker(payload.image().describe() + ", maxRunTime " + payload.maxRunTimeSeconds() + "s, memory limit "
                    + settings.limits().memoryForHumans());
            try {
                image = withEngine("loading the task image", () -> {
                    try {
                        return imageLoader.imageFor(payload.image(), claim, log::worker);
                    } catch (TaskImageLoader.Failure f) {
                        throw new TaskImageFailure(f);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while loading the task image", e);
                    }
                });
            } catch (TaskImageFailure e) {
                log.worker(e.getCause().getMessage());
                return RunOutcome.exception(e.failure().tasksFault() ? ReasonResolved.MALFORMED_PAYLOAD
                        : ReasonResolved.RESOURCE_UNAVAILABLE, null);
            }
            markInUse(image);
        }
        if (cancelled) return RunOutcome.cancelled();

        if (!payload.caches().isEmpty()) {
            CacheManager.CacheLease lease = withEngine("preparing the caches", () -> caches.acquire(payload.caches(), log::worker));
            synchronized (containerLock) {
                cacheLease = lease;
            }
        }
        if (cancelled) return RunOutcome.cancelled();
        ContainerSetup setup;
        try {
            setup = openFeatures(payload);
        } catch (FeatureFailure e) {
            log.worker(e.getMessage());
            return RunOutcome.exception(e.reason(), null);
        }
        if (cancelled) return RunOutcome.cancelled();
        String id = withEngine("creating the container", () -> runtime.createContainer(containerSpec(payload, image, setup)));
        synchronized (containerLock) {
            containerId = id;
        }
        if (cancelled) return RunOutcome.cancelled();
        try {
            withEngine("starting the container", () -> {
                runtime.startContainer(id);
                return null;
            });
        } catch (EngineUnavailableException e) {
            throw e;
        } catch (ContainerRuntimeException e) {
            if (CapabilityPolicy.isHostRefusal(hostAccess, e.getMessage())) {
                // the worker allowed it, the host cannot give it: the worker's fault, not the task's
                log.worker("the container could not start: the host cannot give what the task's capabilities ask: "
                        + e.getMessage());
                return RunOutcome.exception(ReasonResolved.RESOURCE_UNAVAILABLE, null);
            }
            // nearly always the task's command: a missing executable or working directory
            log.worker("the container could not start: " + e.getMessage());
            return RunOutcome.failed(null);
        }
        // a cancel() that came while the container was created but not yet running found nothing to kill
        if (cancelled) {
            runtime.kill(id);
            return RunOutcome.cancelled();
        }
        Instant started = Instant.now();
        try {
            runFeatures.afterStart(id);
        } catch (FeatureFailure e) {
            log.worker(e.getMessage());
            runtime.kill(id);
            return RunOutcome.exception(e.reason(), null);
        }

        ContainerExit exit;
        boolean overtime = false;
        try (OutputStreamHandle output = runtime.followOutput(id, log::output)) {
            Optional<ContainerExit> finished = runtime.awaitExit(id, Duration.ofSeconds(payload.maxRunTimeSeconds()));
            if (finished.isEmpty() && !cancelled) {
                overtime = true;
                runtime.kill(id);
                finished = runtime.awaitExit(id, EXIT_AFTER_KILL);
            }
            if (cancelled) return RunOutcome.cancelled();
            if (finished.isEmpty()) throw new ContainerRuntimeException("container " + id + " did not stop after SIGKILL", null);
            exit = finished.get();
            // the last chunks may trail the exit; close the log only after they are in
            if (!output.awaitEnd(OUTPUT_DRAIN)) log.worker("(output stream did not end within " + OUTPUT_DRAIN.toSeconds() + "s)");
            // the worker's closing lines go out with the log's finish, in one request; with artifacts to upload
            // they go out as they come, so that a long upload is seen while it lasts
            if (payload.artifacts().isEmpty()) reporter.holdLog();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException("interrupted while waiting for the container", e);
        }
        Duration took = Duration.between(started, Instant.now());

        if (!overtime && !exit.oomKilled() && payload.purgeCacheExitCodes().contains((int) exit.exitCode())
                && !payload.caches().isEmpty()) {
            // the instances go once the container is removed (an engine keeps a volume a container uses)
            purgeCaches = true;
            log.worker("exit code " + exit.exitCode() + " is listed in onExitStatus.purgeCaches: the caches "
                    + String.join(", ", payload.caches().keySet()) + " are purged after this run");
        }
        RunOutcome outcome;
        if (overtime) {
            log.worker("maxRunTime of " + payload.maxRunTimeSeconds() + "s exceeded: the container was killed");
            outcome = RunOutcome.failed(exit.exitCode());
        } else if (exit.oomKilled()) {
            log.worker("killed: out of memory (limit " + settings.limits().memoryForHumans() + "), exit code " + exit.exitCode());
            outcome = RunOutcome.failed(exit.exitCode());
        } else if (exit.exitCode() == 0) {
            log.worker("exit code 0 after " + seconds(took));
            outcome = RunOutcome.completed(0);
        } else if (stoppedThroughEngine(id, started)) {
            // not the task's own end: the engine stopped it (shutting down or restarting: dockerd sends
            // SIGTERM, then SIGKILL after 10 s) or an operator did; the queue retries the run
            LOG.warn("run {}/{}: the Docker engine stopped container {} (exit code {}); handing the run back "
                    + "(exception/worker-shutdown)", run.taskId(), run.runId(), id, exit.exitCode());
            log.worker("exit code " + exit.exitCode() + " after " + seconds(took) + ": the Docker engine stopped the "
                    + "container (while restarting or shutting down, or at an operator's docker stop/kill), not the task");
            log.worker("the run is handed back to the queue, which retries it (exception/worker-shutdown)");
            return RunOutcome.exception(ReasonResolved.WORKER_SHUTDOWN, exit.exitCode());
        } else if (payload.retryExitCodes().contains((int) exit.exitCode())) {
            log.worker("exit code " + exit.exitCode() + " after " + seconds(took)
                    + ": listed in onExitStatus.retry, resolving as intermittent-task");
            outcome = RunOutcome.exception(ReasonResolved.INTERMITTENT_TASK, exit.exitCode());
        } else {
            log.worker("exit code " + exit.exitCode() + " after " + seconds(took));
            outcome = RunOutcome.failed(exit.exitCode());
        }
        try {
            runFeatures.afterExit(id, exit);
        } catch (FeatureFailure e) {
            log.worker(e.getMessage());
            outcome = RunOutcome.exception(e.reason(), outcome.exitCode());
        }
        if (cancelled) return RunOutcome.cancelled();
        return collectArtifacts(payload, id, outcome);
    }

    /**
     * Opens the payload's features for this run (its network first, when one needs it) and gathers what they
     * add to the container. They are released with the container ({@link #removeContainer}).
     */
    private ContainerSetup openFeatures(DockerPayload payload) throws FeatureFailure {
        Features.Selection selection = features.select(payload.features());
        if (selection.active().isEmpty()) return new ContainerSetup(null);
        FeatureRun base = new FeatureRun(run, payload, claim, settings, runtime, null, masked, log::worker, engineWait.clock);
        RunFeatures opened = RunFeatures.open(selection, base, runLabels());
        synchronized (containerLock) {
            runFeatures = opened;
        }
        log.worker("features: " + opened.describe()
                + (opened.network() == null ? "" : " (on the run's own network " + opened.network().name() + ")"));
        ContainerSetup setup = new ContainerSetup(opened.network() == null ? null : opened.network().name());
        opened.beforeCreate(setup);
        return setup;
    }

    /**
     * Whether a container that ended with a non-zero code without the worker killing it was stopped
     * through the engine. An engine that stops answering while asked is going away (a graceful
     * restart stops the containers, then the API): that counts as the engine having stopped it.
     */
    private boolean stoppedThroughEngine(String id, Instant started) {
        try {
            // a second of slack: the engine stamps events with its own clock
            return runtime.stoppedThroughEngine(id, started.minusSeconds(1));
        } catch (EngineUnavailableException e) {
            LOG.info("run {}/{}: the engine went away just after container {} ended: {}", run.taskId(), run.runId(), id,
                    e.getMessage());
            return true;
        } catch (ContainerRuntimeException e) {
            LOG.warn("run {}/{}: could not tell whether the engine stopped container {}; taking its exit as the task's: {}",
                    run.taskId(), run.runId(), id, e.getMessage());
            return false;
        }
    }

    /** Runs a step that needs the engine before the container runs, riding out an engine outage (see {@link EngineWait}). */
    private <T> T withEngine(String doing, Supplier<T> step) {
        return new EngineWait.For(engineWait, runtime, this::isCancelled, log::worker, run.taskId() + "/" + run.runId())
                .call(doing, step);
    }

    /** Copies every artifact out (also after a maxRunTime kill). A failed upload turns the run into internal-error. */
    private RunOutcome collectArtifacts(DockerPayload payload, String id, RunOutcome outcome) {
        ArtifactCollector collector = new ArtifactCollector(runtime, reporter, log, this::isCancelled);
        for (ArtifactSpec spec : payload.artifacts()) {
            if (cancelled) return RunOutcome.cancelled();
            try {
                collector.collect(id, spec, artifactExpiry(spec));
            } catch (EngineUnavailableException e) {
                throw e;
            } catch (IOException | ContainerRuntimeException e) {
                log.worker("artifact " + spec.name() + " could not be uploaded: " + e.getMessage());
                outcome = RunOutcome.exception(ReasonResolved.INTERNAL_ERROR, outcome.exitCode());
            }
        }
        return outcome;
    }

    /** The payload's expiry, but never past the task's own: the queue rejects later ones. */
    private Instant artifactExpiry(ArtifactSpec spec) {
        Instant taskExpires = run.task().expires();
        if (spec.expires() == null) return taskExpires;
        return taskExpires != null && spec.expires().isAfter(taskExpires) ? taskExpires : spec.expires();
    }

    /**
     * Payload parts whose machinery this worker does not have yet. Refused rather than ignored: a
     * task that asked for a cache, a secret or a capability and silently ran without it would fail
     * in confusing ways, or (capabilities) run with less isolation than its author reasoned about.
     */
    private List<String> unsupportedRequests(DockerPayload payload) {
        List<String> out = new ArrayList<>();
        if (!(payload.image() instanceof ImageSpec.RegistryImage) && imageLoader == null) {
            out.add("image: " + payload.image().describe() + " is not supported by this worker yet (registry images only)");
        }
        if (!payload.caches().isEmpty() && caches == null) out.add("cache: caches are not supported by this worker");
        out.addAll(features.select(payload.features()).problems());
        return out;
    }

    ContainerSpec containerSpec(DockerPayload payload, String image) {
        return containerSpec(payload, image, new ContainerSetup(null));
    }

    ContainerSpec containerSpec(DockerPayload payload, String image, ContainerSetup setup) {
        List<ContainerSpec.VolumeMount> volumes;
        synchronized (containerLock) {
            volumes = cacheLease == null ? List.of() : cacheLease.mounts();
        }
        return new ContainerSpec(image, payload.command(), environment(payload, setup.env()), runLabels(), settings.limits(), null,
                null, volumes, hostAccess, setup.additions());
    }

    /** The run's identity, on its container and network. */
    private Map<String, String> runLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerRuntime.LABEL_WORKER_ID, settings.workerId());
        labels.put(ContainerRuntime.LABEL_TASK_ID, run.taskId());
        labels.put(ContainerRuntime.LABEL_RUN_ID, Integer.toString(run.runId()));
        return labels;
    }

    Map<String, String> environment(DockerPayload payload) {
        return environment(payload, Map.of());
    }

    /** The payload's env with the reserved names (see {@link ReservedEnv}) and the features' variables set by the worker. */
    Map<String, String> environment(DockerPayload payload, Map<String, String> fromFeatures) {
        Map<String, String> reserved = new LinkedHashMap<>();
        reserved.put("TASK_ID", run.taskId());
        reserved.put("RUN_ID", Integer.toString(run.runId()));
        reserved.put("TASKCLUSTER_ROOT_URL", settings.rootUrl());
        reserved.put("TASKCLUSTER_WORKER_TYPE", settings.workerType());
        reserved.put("TASKCLUSTER_WORKER_GROUP", settings.workerGroup());
        reserved.put("TASKCLUSTER_WORKER_ID", settings.workerId());
        reserved.put("TASKCLUSTER_INSTANCE_TYPE", settings.instanceType());
        reserved.put("TASKCLUSTER_PUBLIC_IP", settings.publicIp());
        Map<String, String> env = new LinkedHashMap<>(payload.env());
        // names were checked: never reserved, never one of env's
        env.putAll(secretEnv);
        Map<String, String> merged = ReservedEnv.merge(env, reserved);
        // a feature's variable (TASKCLUSTER_PROXY_URL) is the worker's word, over the payload's
        fromFeatures.forEach((name, value) -> {
            if (!ReservedEnv.isReserved(name)) merged.put(name, value);
        });
        return merged;
    }

    /**
     * The payload's capabilities against the worker's configuration, then its encryptedEnv: null
     * when the run may go on, else how it ends. Refusals the task can fix (malformed-payload) come
     * before those of the host (resource-unavailable); every reason goes to the task log, no value.
     */
    private RunOutcome checkCapabilitiesAndSecrets(DockerPayload payload) {
        CapabilityPolicy.Decision caps = capabilities.decide(payload.capabilities());
        if (!caps.notAllowed().isEmpty()) {
            log.worker("the payload asks for capabilities this worker does not allow:");
            caps.notAllowed().forEach(line -> log.worker("  " + line));
            return RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
        }
        if (!payload.encryptedEnv().isEmpty()) {
            EncryptedEnv.Decoded decoded = secrets.encryptedEnv(engineWait.clock).decode(payload.encryptedEnv(), run.taskId(), payload.env());
            masked.addSecrets(decoded.values());
            if (decoded.refused()) {
                log.worker("encryptedEnv refused (" + decoded.refusals().size() + " of " + payload.encryptedEnv().size()
                        + " entries):");
                decoded.refusals().forEach(line -> log.worker("  " + line));
                return RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
            }
            log.worker("encryptedEnv: " + String.join(", ", decoded.env().keySet()) + " decrypted (values masked as [secret])");
            secretEnv = decoded.env();
        }
        if (!caps.unavailable().isEmpty()) {
            caps.unavailable().forEach(log::worker);
            log.worker("the run ends exception/resource-unavailable: this worker cannot give the task what it asks");
            return RunOutcome.exception(ReasonResolved.RESOURCE_UNAVAILABLE, null);
        }
        hostAccess = caps.access();
        if (!hostAccess.isNone()) log.worker("capabilities: " + describe(hostAccess));
        return null;
    }

    private static String describe(HostAccess access) {
        List<String> parts = new ArrayList<>();
        if (access.privileged()) parts.add("privileged");
        if (access.seccompUnconfined()) parts.add("no seccomp");
        access.devices().forEach(d -> parts.add("device " + d.hostPath() + " at " + d.containerPath()));
        access.binds().forEach(b -> parts.add(b.hostPath() + " at " + b.containerPath()));
        return String.join(", ", parts);
    }

    private void report(RunOutcome outcome, String logName) {
        try {
            beforeReport.accept(outcome);
        } catch (RuntimeException e) {
            LOG.warn("run {}/{}: before its report: {}", run.taskId(), run.runId(), e.toString());
        }
        try {
            reporter.finishLog(logName, run.task().expires());
            switch (outcome.resolution()) {
                case COMPLETED -> reporter.reportCompleted();
                case FAILED -> reporter.reportFailed();
                case EXCEPTION -> reporter.reportException(outcome.exceptionReason());
                case CANCELLED -> { }
            }
        } catch (IOException | RuntimeException e) {
            // the claim expires and the queue resolves the run claim-expired; nothing else to do here
            LOG.error("reporting {} for {}/{} failed", outcome.resolution(), run.taskId(), run.runId(), e);
        }
    }

    /**
     * Removes the run's container, if one was created (killing it if it still runs), then gives its cache
     * instances back (or purges them); failures are logged only.
     */
    public void removeContainer() {
        String id;
        CacheManager.CacheLease lease;
        String image;
        RunFeatures opened;
        synchronized (containerLock) {
            id = containerId;
            lease = cacheLease;
            cacheLease = null;
            image = imageInUse;
            imageInUse = null;
            opened = runFeatures;
            runFeatures = RunFeatures.NONE;
        }
        if (id != null) {
            try {
                runtime.removeContainer(id);
            } catch (RuntimeException e) {
                // left for the label-based cleanup of leftovers
                LOG.warn("could not remove container {} of {}/{}: {}", id, run.taskId(), run.runId(), e.toString());
            }
        }
        // after the container: its network can only go once nothing is attached
        opened.close();
        if (image != null) images.release(image);
        if (lease != null) {
            try {
                caches.release(lease, purgeCaches, line -> LOG.info("run {}/{}: {}", run.taskId(), run.runId(), line));
            } catch (RuntimeException e) {
                LOG.warn("could not give back the caches of {}/{}: {}", run.taskId(), run.runId(), e.toString());
            }
        }
    }

    /**
     * Cache names docker-worker refuses, then the payload's {@code docker-worker:} scopes: the run ends
     * exception/malformed-payload, each problem and missing scope named in the log, before anything is made.
     */
    private RunOutcome checkCachesAndScopes(DockerPayload payload) {
        List<String> badNames = new ArrayList<>();
        for (String name : payload.caches().keySet()) CacheNames.problem(name).ifPresent(badNames::add);
        if (!badNames.isEmpty()) {
            log.worker("the payload's cache names are malformed:");
            for (String problem : badNames) log.worker("  " + problem);
            return RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
        }
        List<String> missing;
        try {
            // the features this runner offers say which scopes they need
            missing = scopeCheck.withFeatures(features).missing(payload, run.task());
        } catch (IOException e) {
            LOG.warn("run {}/{}: cannot expand the task's scopes: {}", run.taskId(), run.runId(), e.toString());
            log.worker("the task's scopes could not be expanded through roles (" + e.getMessage() + "); nothing was started");
            return RunOutcome.exception(ReasonResolved.INTERNAL_ERROR, null);
        }
        if (missing.isEmpty()) return null;
        log.worker("the task lacks the scopes its payload needs (task.scopes, expanded through roles):");
        for (String scope : missing) log.worker("missing scope " + scope);
        return RunOutcome.exception(ReasonResolved.MALFORMED_PAYLOAD, null);
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }
}
