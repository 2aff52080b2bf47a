package dev.berth.worker.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.core.json.Json;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.EngineUnavailableException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Task images (seed 004): a {@code docker save} tarball, plain or zstd-compressed, that another task left as an
 * artifact, found by task id or by index namespace. It is streamed from the queue through decompression into
 * the engine's image load (never held whole in memory or on disk), must hold exactly one image, and is loaded
 * once per worker: later runs (and runs that ask while it loads) get the same image id.
 */
public final class TaskImageLoader {

    private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD};
    private static final Pattern CONFIG_DIGEST = Pattern.compile("(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.json)?");

    /** Why an image could not be had: the task's fault (malformed-payload) or the environment's. */
    public static final class Failure extends Exception {
        private final boolean tasksFault;

        Failure(String message, boolean tasksFault, Throwable cause) {
            super(message, cause, false, false);
            this.tasksFault = tasksFault;
        }

        /** True: exception/malformed-payload; false: exception/resource-unavailable. */
        public boolean tasksFault() { return tasksFault; }
    }

    private final ContainerRuntime runtime;
    private final ImageArtifacts artifacts;
    /** "taskId/path" → the image id loaded from that artifact (or the load in progress). */
    private final ConcurrentHashMap<String, CompletableFuture<String>> loaded = new ConcurrentHashMap<>();

    public TaskImageLoader(ContainerRuntime runtime, ImageArtifacts artifacts) {
        this.runtime = runtime;
        this.artifacts = artifacts;
    }

    /** The image id to run for a task-image or indexed-image payload, loading it first when needed. */
    public String imageFor(ImageSpec spec, WorkClaim claim, Consumer<String> log) throws Failure, InterruptedException {
        return switch (spec) {
            case ImageSpec.TaskImage t -> load(t.taskId(), t.path(), claim, log);
            case ImageSpec.IndexedImage i -> {
                String taskId;
                try {
                    taskId = artifacts.indexedTask(i.namespace());
                } catch (ImageArtifacts.Refused e) {
                    throw new Failure("indexed-image: " + e.getMessage(), true, e);
                } catch (IOException | UncheckedIOException e) {
                    throw new Failure("indexed-image: the index could not be asked for " + i.namespace() + ": " + e.getMessage(), false, e);
                }
                log.accept("indexed-image " + i.namespace() + " is task " + taskId);
                yield load(taskId, i.path(), claim, log);
            }
            case ImageSpec.RegistryImage r -> throw new IllegalArgumentException("a registry image is pulled, not loaded: " + r.name());
            case ImageSpec.Build b -> throw new IllegalArgumentException("an image build makes an image, it runs none: " + b.name());
        };
    }

    /** Where an image build puts its result, as seed 004's image tasks do. */
    public static final String BUILT_IMAGE_ARTIFACT = "public/image.tar.zst";

    /** The image's build itself failed (its Dockerfile): the task failed, as a command exiting non-zero. */
    public static final class BuildFailed extends Exception {
        BuildFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * An image-build task: fetches the folder (object {@code spec.context()}, a tar.gz), builds it on this worker's
     * engine, saves it, compresses it with zstd and uploads it as {@link #BUILT_IMAGE_ARTIFACT} of the run. The
     * Dockerfile's commands run in the engine's build containers, never with the Docker socket or privileges.
     */
    public void build(ImageSpec.Build spec, WorkClaim claim, String taskId, java.time.Instant expires,
                      dev.berth.worker.run.RunReporter reporter, Consumer<String> log) throws Failure, BuildFailed, IOException {
        build(spec, claim, taskId, expires, null, reporter, log);
    }

    /**
     * {@link #build(ImageSpec.Build, WorkClaim, String, java.time.Instant, dev.berth.worker.run.RunReporter, Consumer)}
     * with the build itself (not the context's download nor the upload, as a task's artifacts are not) limited to
     * {@code maxRunTime} (null: none): one that runs longer is stopped on the engine and is a {@link BuildFailed}.
     */
    public void build(ImageSpec.Build spec, WorkClaim claim, String taskId, java.time.Instant expires, java.time.Duration maxRunTime,
                      dev.berth.worker.run.RunReporter reporter, Consumer<String> log) throws Failure, BuildFailed, IOException {
        java.nio.file.Path work = java.nio.file.Files.createTempDirectory("berth-image-build-");
        String tag = "berth-build/" + spec.name() + ":" + taskId.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        try {
            java.nio.file.Path context = java.nio.file.Files.createDirectory(work.resolve(spec.name()));
            try (InputStream in = artifacts.openObject(claim, spec.context())) {
                int files = ContextArchive.extract(in, context);
                log.accept("image build of " + spec.name() + ": context " + spec.context() + ", " + files + " files, hash "
                        + dev.berth.core.images.ContextHash.of(context));
            } catch (ImageArtifacts.Refused e) {
                throw new Failure("image build: " + e.getMessage(), true, e);
            } catch (ContextArchive.NotAnArchive e) {
                throw new Failure("image build: the context " + spec.context() + " is not a tar.gz of a folder: " + e.getMessage(), true, e);
            }
            if (!java.nio.file.Files.isRegularFile(context.resolve("Dockerfile"))) {
                throw new Failure("image build: the context " + spec.context() + " has no Dockerfile", true, null);
            }
            String id;
            try {
                id = runtime.buildImage(context, tag, line -> log.accept("  " + line), maxRunTime);
            } catch (EngineUnavailableException e) {
                throw e;
            } catch (dev.berth.worker.runtime.BuildTimeoutException e) {
                throw new BuildFailed("maxRunTime of " + e.timeout().toSeconds() + "s exceeded: the image build was stopped", e);
            } catch (ContainerRuntimeException e) {
                throw new BuildFailed(e.getMessage(), e);
            }
            java.nio.file.Path saved = work.resolve("image.tar.zst");
            long raw;
            try (InputStream tar = runtime.saveImage(id);
                 java.io.OutputStream out = new ZstdOutputStream(java.nio.file.Files.newOutputStream(saved))) {
                raw = tar.transferTo(out);
            }
            long compressed = java.nio.file.Files.size(saved);
            log.accept(String.format("image %s saved: %.1f MiB, %.1f MiB with zstd (%.1fx); uploading %s", id, raw / 1048576.0,
                    compressed / 1048576.0, compressed == 0 ? 0 : (double) raw / compressed, BUILT_IMAGE_ARTIFACT));
            try (InputStream upload = java.nio.file.Files.newInputStream(saved)) {
                reporter.uploadArtifact(BUILT_IMAGE_ARTIFACT, "application/zstd", expires, compressed, upload);
            }
        } finally {
            try {
                runtime.removeImage(tag);
            } catch (RuntimeException e) {
                // only the tag: the layers stay for the engine's cache either way
            }
            try (var walk = java.nio.file.Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String load(String taskId, String path, WorkClaim claim, Consumer<String> log) throws Failure, InterruptedException {
        String key = taskId + "/" + path;
        while (true) {
            CompletableFuture<String> mine = new CompletableFuture<>();
            CompletableFuture<String> existing = loaded.putIfAbsent(key, mine);
            if (existing == null) {
                try {
                    String id = download(taskId, path, claim, log);
                    mine.complete(id);
                    return id;
                } catch (Failure | RuntimeException e) {
                    loaded.remove(key, mine);
                    mine.completeExceptionally(e);
                    throw e;
                }
            }
            String id;
            try {
                id = existing.get();
            } catch (ExecutionException e) {
                // the load another run started failed: try again here, it may have been the queue's moment
                continue;
            }
            if (runtime.imageExists(id)) {
                log.accept("task-image " + key + " is loaded already as " + id);
                return id;
            }
            // removed from the engine since (garbage collection, an operator): load it again
            loaded.remove(key, existing);
        }
    }

    private String download(String taskId, String path, WorkClaim claim, Consumer<String> log) throws Failure {
        log.accept("task-image: loading " + path + " of task " + taskId + " into the engine");
        TarManifestScanner tar;
        long started = System.nanoTime();
        try (SourceStream raw = new SourceStream(artifacts.open(claim, taskId, path));
             InputStream body = decompressed(new BufferedInputStream(raw, 64 * 1024))) {
            tar = new TarManifestScanner(body);
            try {
                runtime.loadImage(tar);
            } catch (RuntimeException e) {
                // the engine only saw its request body end: say whose end it was
                if (raw.failure != null) {
                    throw new Failure("task-image " + taskId + "/" + path + " could not be read from the queue: "
                            + raw.failure.getMessage(), false, raw.failure);
                }
                if (e instanceof EngineUnavailableException || !(e instanceof ContainerRuntimeException)) throw e;
                throw new Failure("task-image " + taskId + "/" + path + " is not an image the engine can load: "
                        + e.getMessage(), true, e);
            }
        } catch (ImageArtifacts.Refused e) {
            throw new Failure("task-image " + taskId + "/" + path + ": " + e.getMessage(), true, e);
        } catch (IOException | UncheckedIOException e) {
            throw new Failure("task-image " + taskId + "/" + path + " could not be read from the queue: " + e.getMessage(), false, e);
        }
        String id = singleImage(tar, taskId + "/" + path);
        log.accept(String.format("task-image: loaded %s (%.1f s)", id, (System.nanoTime() - started) / 1e9));
        return id;
    }

    /** The artifact's bytes as they come from the queue, remembering the first failure to read them. */
    private static final class SourceStream extends java.io.FilterInputStream {
        private volatile IOException failure;

        SourceStream(InputStream in) { super(in); }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                if (failure == null) failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                if (failure == null) failure = e;
                throw e;
            }
        }
    }

    private static InputStream decompressed(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        return java.util.Arrays.equals(magic, ZSTD_MAGIC) ? new ZstdInputStream(in) : in;
    }

    /** The id of the one image the tarball held, from its manifest.json. */
    private static String singleImage(TarManifestScanner tar, String what) throws Failure {
        if (tar.malformed() || tar.manifest() == null) {
            throw new Failure("task-image " + what + " is not a docker save tarball (no manifest.json)", true, null);
        }
        JsonNode manifest;
        try {
            manifest = Json.MAPPER.readTree(tar.manifest());
        } catch (IOException e) {
            throw new Failure("task-image " + what + ": its manifest.json is not JSON", true, e);
        }
        if (!manifest.isArray() || manifest.size() != 1) {
            throw new Failure("task-image " + what + " must hold exactly one image; its manifest.json lists "
                    + (manifest.isArray() ? manifest.size() : 0), true, null);
        }
        var m = CONFIG_DIGEST.matcher(manifest.get(0).path("Config").asText());
        if (!m.matches()) throw new Failure("task-image " + what + ": its manifest.json names no image config", true, null);
        return "sha256:" + m.group(1);
    }
}
