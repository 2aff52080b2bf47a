package dev.berth.worker.run;

import dev.berth.worker.payload.ArtifactSpec;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.PathNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Copies the payload's artifacts out of a stopped container and hands them to the reporter, one
 * file at a time straight from the engine's tar stream: nothing is buffered whole, in memory or on
 * disk.
 */
final class ArtifactCollector {

    /** Error artifact reasons, as Taskcluster names them. */
    static final String FILE_MISSING = "file-missing-on-worker";
    static final String INVALID_RESOURCE = "invalid-resource-on-worker";

    private final ContainerRuntime runtime;
    private final RunReporter reporter;
    private final TaskLog log;
    private final BooleanSupplier cancelled;

    ArtifactCollector(ContainerRuntime runtime, RunReporter reporter, TaskLog log, BooleanSupplier cancelled) {
        this.runtime = runtime;
        this.reporter = reporter;
        this.log = log;
        this.cancelled = cancelled;
    }

    /**
     * Uploads one payload artifact. A path that is missing, or is a directory where a file was asked
     * for (or the other way round), becomes an error artifact; that does not fail the run.
     *
     * @throws IOException when the reporter fails to upload
     */
    void collect(String containerId, ArtifactSpec spec, Instant expires) throws IOException {
        InputStream archive;
        try {
            archive = runtime.copyFromContainer(containerId, spec.path());
        } catch (PathNotFoundException e) {
            String message = "artifact " + spec.name() + ": " + spec.path() + " does not exist in the container";
            log.worker(message);
            reporter.createErrorArtifact(spec.name(), FILE_MISSING, message, expires);
            return;
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
            TarArchiveEntry root = tar.getNextEntry();
            if (root == null) {
                invalid(spec, expires, spec.path() + " yielded an empty archive");
                return;
            }
            switch (spec.kind()) {
                case FILE -> collectFile(spec, expires, tar, root);
                case DIRECTORY -> collectDirectory(spec, expires, tar, root);
            }
        }
    }

    private void collectFile(ArtifactSpec spec, Instant expires, TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
        if (!entry.isFile()) {
            invalid(spec, expires, spec.path() + " is " + describe(entry) + ", not a regular file");
            return;
        }
        reporter.uploadArtifact(spec.name(), ContentTypes.guess(spec.path()), expires, entry.getSize(), new Unclosable(tar));
        log.worker("uploaded artifact " + spec.name() + " (" + entry.getSize() + " bytes)");
    }

    private void collectDirectory(ArtifactSpec spec, Instant expires, TarArchiveInputStream tar, TarArchiveEntry root) throws IOException {
        if (!root.isDirectory()) {
            invalid(spec, expires, spec.path() + " is " + describe(root) + ", not a directory");
            return;
        }
        // entries are named "<last element of path>/<relative path>"; the root entry gives the prefix
        String prefix = root.getName().endsWith("/") ? root.getName() : root.getName() + "/";
        int files = 0;
        long bytes = 0;
        for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
            if (cancelled.getAsBoolean()) return;
            // symlinks, devices and fifos are not files with content to publish
            if (!entry.isFile() || !entry.getName().startsWith(prefix)) continue;
            String relative = entry.getName().substring(prefix.length());
            String name = spec.name() + "/" + relative;
            reporter.uploadArtifact(name, ContentTypes.guess(relative), expires, entry.getSize(), new Unclosable(tar));
            files++;
            bytes += entry.getSize();
        }
        log.worker("uploaded directory artifact " + spec.name() + " (" + files + " files, " + bytes + " bytes)");
    }

    private void invalid(ArtifactSpec spec, Instant expires, String why) throws IOException {
        String message = "artifact " + spec.name() + ": " + why;
        log.worker(message);
        reporter.createErrorArtifact(spec.name(), INVALID_RESOURCE, message, expires);
    }

    private static String describe(TarArchiveEntry entry) {
        if (entry.isDirectory()) return "a directory";
        if (entry.isSymbolicLink()) return "a symbolic link to " + entry.getLinkName();
        return "a special file";
    }

    /** The current tar entry's content, which a reporter may read but must not close. */
    private static final class Unclosable extends FilterInputStream {
        Unclosable(InputStream in) { super(in); }

        @Override
        public void close() {
            // the tar stream goes on with the next entry
        }
    }
}
