package dev.berth.core.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The hash of an image's context directory, as seed 004 describes it: every file under the directory, by its
 * path relative to it ('/'-separated) in sorted order; the sha256 of each file's content combined with its path
 * ({@code "<sha256 hex> <path>\n"}, as Gecko's taskgraph writes it) into one sha256. Same files, same hash, on
 * every machine: neither timestamps, modes nor the directory's own location count.
 */
public final class ContextHash {

    private ContextHash() {}

    /** The context hash of {@code dir}, 64 lower-case hex digits. */
    public static String of(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a directory");
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> files.add(relative(dir, p)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        // String order is code-unit order: for the ASCII names of image folders, the same as Python's sorted()
        files.sort(null);
        MessageDigest context = sha256();
        for (String file : files) {
            String line = HexFormat.of().formatHex(fileHash(dir.resolve(file))) + " " + file + "\n";
            context.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(context.digest());
    }

    private static String relative(Path dir, Path file) {
        List<String> parts = new ArrayList<>();
        for (Path part : dir.relativize(file)) parts.add(part.toString());
        return String.join("/", parts);
    }

    private static byte[] fileHash(Path file) {
        MessageDigest d = sha256();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) d.update(buffer, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return d.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
