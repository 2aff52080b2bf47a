package dev.berth.server;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Owner-only files and directories (0600 / 0700) for everything the server keeps: secrets, the embedded
 * database, artifacts and its log. Where the file system has no POSIX permissions this does nothing more
 * than create the paths.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /** Creates {@code dir} (and missing parents, owner-only) and makes {@code dir} itself owner-only. */
    public static Path directory(Path dir) throws IOException {
        Path abs = createMissing(dir);
        restrict(abs, DIR);
        return abs;
    }

    /** Creates {@code dir} and missing parents owner-only; leaves directories that exist as they are. */
    private static Path createMissing(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (!Files.isDirectory(abs)) {
            if (abs.getParent() != null) createMissing(abs.getParent());
            try {
                if (posix(abs.getParent())) Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIR));
                else Files.createDirectory(abs);
            } catch (FileAlreadyExistsException e) {
                // made by another thread or process meanwhile
            }
        }
        return abs;
    }

    /**
     * Creates {@code file} empty when missing (owner-only from the first moment, missing parents 0700) and makes
     * it owner-only. An existing parent directory is left as it is (it may be /var/log).
     */
    public static Path file(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        createMissing(abs.getParent());
        if (!Files.exists(abs)) {
            try {
                if (posix(abs.getParent())) Files.createFile(abs, PosixFilePermissions.asFileAttribute(FILE));
                else Files.createFile(abs);
            } catch (FileAlreadyExistsException e) {
                // made meanwhile
            }
        }
        restrict(abs, FILE);
        return abs;
    }

    /** Makes {@code dir} and everything below it owner-only (files 0600, directories 0700). */
    public static void restrictTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) continue;
                restrict(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIR : FILE);
            }
        }
    }

    private static void restrict(Path p, Set<PosixFilePermission> wanted) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) return;
        if (!view.readAttributes().permissions().equals(wanted)) view.setPermissions(wanted);
    }

    private static boolean posix(Path dir) {
        if (dir == null) return false;
        try {
            return Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        } catch (IOException e) {
            return false;
        }
    }
}
