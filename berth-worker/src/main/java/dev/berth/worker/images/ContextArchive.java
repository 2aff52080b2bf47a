package dev.berth.worker.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** An image folder as a tar.gz: how `berth image build` sends it and how the worker unpacks it. */
public final class ContextArchive {

    /** The stream was not a tar.gz, or held an entry that would land outside the folder. */
    public static final class NotAnArchive extends IOException {
        NotAnArchive(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private ContextArchive() {}

    /** Writes every file under {@code dir} (paths relative to it, sorted) as a tar.gz to {@code out}. */
    public static void write(Path dir, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> dir.relativize(p).toString())).toList();
        }
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path file : files) {
                TarArchiveEntry e = new TarArchiveEntry(file.toFile(), dir.relativize(file).toString().replace('\\', '/'));
                tar.putArchiveEntry(e);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
        }
    }

    /** Unpacks a tar.gz into {@code dir}, refusing entries that would land outside it. @return the files written */
    public static int extract(InputStream in, Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        int files = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root) || target.equals(root)) {
                    if (target.equals(root) && e.isDirectory()) continue;
                    throw new NotAnArchive("entry " + e.getName() + " would land outside the folder", null);
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    files++;
                }
                // links and devices are left out: a build context needs neither
            }
        } catch (NotAnArchive e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new NotAnArchive(e.getMessage(), e);
        }
        return files;
    }
}
