package dev.berth.worker.features.dockersave;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.PathNotFoundException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 002's {@code dockerSave}: once the task's command ended, its container is committed as
 * {@code task-<taskId>-<runId>:latest} (lower case: Docker refuses upper case), saved, and uploaded as
 * {@code public/dockerImage.tar} (the seed's name, plain, for {@code docker load < dockerImage.tar}) and
 * {@code public/dockerImage.tar.zst} (the same tarball compressed with zstd, for slow links and for running it
 * as a {@code task-image}); each cache the run mounted is uploaded as {@code public/cache/<name>.tar}.
 *
 * <p>The upload needs each artifact's exact size before its first byte, and the engine's save stream has no
 * length: saving twice (once to measure) would double the engine's work with no promise of identical bytes, so
 * the save is spooled once, zstd-compressed on the way, to a file in the worker's data directory; the plain
 * tarball is then decompressed from it as it is uploaded (its size was counted while spooling). Nothing is held
 * in memory; the disk holds the compressed size only. The committed image is removed afterwards.
 */
public final class DockerSaveFeature implements TaskFeature {

    private static final Logger LOG = LoggerFactory.getLogger(DockerSaveFeature.class);

    public static final String KEY = "dockerSave";
    public static final String SCOPE = "docker-worker:feature:" + KEY;
    public static final String IMAGE_ARTIFACT = "public/dockerImage.tar";
    public static final String COMPRESSED_IMAGE_ARTIFACT = "public/dockerImage.tar.zst";
    /** Docker's repository name grammar (one path component), which a lower-cased slugid can break with {@code _-}. */
    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");

    private final Path spoolDir;

    /** @param dataDir the worker's data directory; spool files live in its {@code docker-save} folder */
    public DockerSaveFeature(Path dataDir) {
        this.spoolDir = dataDir.resolve("docker-save");
        removeLeftovers();
    }

    @Override
    public String key() {
        return KEY;
    }

    /** docker-worker's rule for every feature, which the seed states and issue 10 names for this one. */
    @Override
    public List<String> requiredScopes(DockerPayload payload) {
        return List.of(SCOPE);
    }

    @Override
    public RunFeature open(FeatureRun run) {
        return new Save(run);
    }

    /** The repository the container is committed as: the seed's name, lower-cased, and {@code _} as {@code -} if Docker would refuse it. */
    static String repository(String taskId, int runId) {
        String name = ("task-" + taskId + "-" + runId).toLowerCase(Locale.ROOT);
        return REPOSITORY.matcher(name).matches() ? name : name.replace('_', '-');
    }

    /** Spool files of a worker that stopped mid-save. */
    private void removeLeftovers() {
        if (!Files.isDirectory(spoolDir)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(spoolDir)) {
            for (Path f : files) Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("could not remove old dockerSave spool files in {}: {}", spoolDir, e.toString());
        }
    }

    private final class Save implements RunFeature {
        private final FeatureRun run;

        Save(FeatureRun run) {
            this.run = run;
        }

        @Override
        public void beforeCreate(ContainerSetup setup) throws FeatureFailure {
            // the committed image's config carries the container's environment, and the artifact is public
            if (!run.payload().encryptedEnv().isEmpty()) {
                throw FeatureFailure.malformed("features.dockerSave cannot be used with encryptedEnv: the saved image's "
                        + "environment would hold the decrypted values in public artifact " + IMAGE_ARTIFACT);
            }
        }

        @Override
        public void afterExit(String containerId, ContainerExit exit) throws IOException, FeatureFailure {
            ContainerRuntime runtime = run.runtime();
            Instant expires = run.run().task().expires();
            String image = repository(run.taskId(), run.runId()) + ":latest";
            Files.createDirectories(spoolDir);
            run.log().accept("dockerSave: committing the container as " + image);
            runtime.commitContainer(containerId, repository(run.taskId(), run.runId()), "latest", blankedLabels());
            Path spool = Files.createTempFile(spoolDir, run.taskId() + "-" + run.runId() + "-", ".tar.zst");
            try {
                long started = System.nanoTime();
                long raw;
                try (InputStream tar = runtime.saveImage(image);
                     OutputStream out = new ZstdOutputStream(new BufferedOutputStream(Files.newOutputStream(spool), 1 << 16))) {
                    raw = tar.transferTo(out);
                }
                long compressed = Files.size(spool);
                run.log().accept(String.format(Locale.ROOT, "dockerSave: saved %.1f MiB (%.1f MiB with zstd) in %.1f s; uploading %s and %s",
                        raw / 1048576.0, compressed / 1048576.0, (System.nanoTime() - started) / 1e9, IMAGE_ARTIFACT,
                        COMPRESSED_IMAGE_ARTIFACT));
                try (InputStream plain = new ZstdInputStream(new BufferedInputStream(Files.newInputStream(spool), 1 << 16))) {
                    run.reporter().uploadArtifact(IMAGE_ARTIFACT, "application/x-tar", expires, raw, plain);
                }
                try (InputStream zst = Files.newInputStream(spool)) {
                    run.reporter().uploadArtifact(COMPRESSED_IMAGE_ARTIFACT, "application/zstd", expires, compressed, zst);
                }
            } finally {
                Files.deleteIfExists(spool);
                try {
                    runtime.removeImage(image);
                } catch (ContainerRuntimeException e) {
                    LOG.warn("dockerSave: could not remove image {} of {}/{}: {}", image, run.taskId(), run.runId(), e.getMessage());
                }
            }
            run.log().accept("dockerSave: load it with: docker load < dockerImage.tar (or zstd -dc dockerImage.tar.zst | docker load), "
                    + "then docker run -it " + image + " /bin/sh");
            for (Map.Entry<String, String> cache : run.payload().caches().entrySet()) {
                uploadCache(containerId, cache.getKey(), cache.getValue(), expires);
            }
        }

        /** The cache's content as the container left it, as {@code public/cache/<name>.tar} (entries under the mount's last path element). */
        private void uploadCache(String containerId, String name, String path, Instant expires) throws IOException {
            String artifact = "public/cache/" + name + ".tar";
            Path spool = Files.createTempFile(spoolDir, run.taskId() + "-" + run.runId() + "-cache-", ".tar");
            try {
                try (InputStream tar = run.runtime().copyFromContainer(containerId, path)) {
                    Files.copy(tar, spool, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (PathNotFoundException e) {
                    run.log().accept("dockerSave: cache " + name + " (" + path + ") is not in the container; no " + artifact);
                    return;
                }
                try (InputStream in = Files.newInputStream(spool)) {
                    run.reporter().uploadArtifact(artifact, "application/x-tar", expires, Files.size(spool), in);
                }
                run.log().accept(String.format(Locale.ROOT, "dockerSave: cache %s uploaded as %s (%.1f MiB)", name, artifact,
                        Files.size(spool) / 1048576.0));
            } finally {
                Files.deleteIfExists(spool);
            }
        }

        /** The run's labels, blanked on the image: a container started from it later is not taken for one of the worker's. */
        private static Map<String, String> blankedLabels() {
            Map<String, String> labels = new LinkedHashMap<>();
            for (String key : List.of(ContainerRuntime.LABEL_MANAGED, ContainerRuntime.LABEL_WORKER_ID,
                    ContainerRuntime.LABEL_TASK_ID, ContainerRuntime.LABEL_RUN_ID)) {
                labels.put(key, "");
            }
            return labels;
        }
    }
}
