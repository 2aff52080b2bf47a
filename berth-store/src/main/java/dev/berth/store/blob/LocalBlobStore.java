package dev.berth.store.blob;

import dev.berth.core.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blobs as files under a root directory; a key's '/'-separated segments become directories. Whole blobs are
 * written to a temporary file and moved into place, so readers never see half a blob. Everything is owner-only
 * (directories 0700, files 0600) where the file system has POSIX permissions.
 */
public final class LocalBlobStore implements BlobStore {

    private static final String TMP_DIR = ".tmp";
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private final Path root;
    private final Path tmp;
    private final boolean posix;
    private final ReentrantLock[] appendLocks = new ReentrantLock[64];

    public LocalBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve(TMP_DIR);
        directories(this.root);
        this.posix = Files.getFileStore(this.root).supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) Files.setPosixFilePermissions(this.root, DIR);
        directories(tmp);
        for (int i = 0; i < appendLocks.length; i++) appendLocks[i] = new ReentrantLock();
    }

    /** Creates missing directories owner-only. */
    private static void directories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Path parent = dir.getParent();
        if (parent != null && !Files.isDirectory(parent)) directories(parent);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
        } catch (UnsupportedOperationException e) {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another writer made it meanwhile
        }
    }

    @Override
    public BlobInfo put(String key, InputStream content) throws IOException {
        Path target = pathOf(key);
        directories(target.getParent());
        // createTempFile makes it 0600 on POSIX file systems
        Path temp = Files.createTempFile(tmp, "put-", ".part");
        try {
            MessageDigest sha = sha256();
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha)) {
                size = content.transferTo(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return new BlobInfo(size, HexFormat.of().formatHex(sha.digest()));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public long append(String key, byte[] bytes, int offset, int length) throws IOException {
        Path target = pathOf(key);
        directories(target.getParent());
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try (FileChannel ch = posix ? FileChannel.open(target, options, PosixFilePermissions.asFileAttribute(FILE))
                : FileChannel.open(target, options)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes, offset, length));
            return ch.size();
        }
    }

    /**
     * The size check and the write are one step: a lock per key (striped) within this process, and a file
     * lock against other processes sharing the directory, so a batch sent twice at once is stored once.
     */
    @Override
    public Appended appendAt(String key, long at, byte[] bytes, int offset, int length) throws IOException {
        if (at < 0) throw new IllegalArgumentException("append offset must not be negative, got " + at);
        Path target = pathOf(key);
        directories(target.getParent());
        // only a batch at offset 0 may create the blob: one further on finds bytes missing and writes nothing
        Set<StandardOpenOption> options = at == 0
                ? Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        ReentrantLock lock = appendLocks[Math.floorMod(target.hashCode(), appendLocks.length)];
        lock.lock();
        try (FileChannel ch = posix ? FileChannel.open(target, options, PosixFilePermissions.asFileAttribute(FILE))
                : FileChannel.open(target, options);
             FileLock ignored = ch.lock()) {
            long size = ch.size();
            int stored = BlobStore.newBytesFrom(at, size, length);
            if (stored < 0 || stored == length) return new Appended(size, 0);
            ByteBuffer tail = ByteBuffer.wrap(bytes, offset + stored, length - stored);
            while (tail.hasRemaining()) ch.write(tail);
            return new Appended(ch.size(), length - stored);
        } catch (NoSuchFileException e) {
            return new Appended(0, 0);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<InputStream> open(String key, long from) throws IOException {
        if (from < 0) throw new IllegalArgumentException("offset must not be negative, got " + from);
        Path target = pathOf(key);
        FileChannel ch;
        try {
            ch = FileChannel.open(target, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            ch.position(from);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return Optional.of(Channels.newInputStream(ch));
    }

    @Override
    public long size(String key) throws IOException {
        Path target = pathOf(key);
        try {
            return Files.size(target);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(pathOf(key));
    }

    /** Maps a key to a file below the root, refusing anything that could escape it or clash with temp files. */
    Path pathOf(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("blob key must not be empty");
        if (key.startsWith("/") || key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("blob key '" + key + "' must be a relative path with '/' separators");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.equals(TMP_DIR)) {
                throw new IllegalArgumentException("blob key '" + key + "' has an empty, '.', '..' or reserved segment");
            }
        }
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IllegalArgumentException("blob key '" + key + "' escapes the blob root");
        }
        return p;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
