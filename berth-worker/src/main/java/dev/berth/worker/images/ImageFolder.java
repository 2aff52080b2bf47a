package dev.berth.worker.images;

import dev.berth.core.BerthException;
import dev.berth.core.images.ContextHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * An image folder as seed 004 lays it out: a {@code Dockerfile}, an optional {@code VERSION}, and a
 * {@code REGISTRY} in the folder or its parent. Tagged as the seed's build.sh does:
 * {@code REGISTRY/name:VERSION}, or {@code name:latest} without a VERSION (a local-only image).
 */
public record ImageFolder(Path dir, String name, String version, String registry) {

    /** What Docker accepts as the last component of a repository name (lower case, no upper case ever). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");

    public static ImageFolder read(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(d.resolve("Dockerfile"))) {
            throw BerthException.input(d + " is not an image folder: it has no Dockerfile");
        }
        String name = d.getFileName().toString();
        if (!NAME.matcher(name).matches()) {
            throw BerthException.input("image folder name '" + name + "' is not a valid image name (lower-case letters, "
                    + "digits, and . _ - between them)");
        }
        String version = firstLine(d.resolve("VERSION"));
        String registry = firstLine(d.resolve("REGISTRY"));
        if (registry == null && d.getParent() != null) registry = firstLine(d.getParent().resolve("REGISTRY"));
        return new ImageFolder(d, name, version, registry);
    }

    /** The tag a local build gets. */
    public String tag() {
        if (version == null) return name + ":latest";
        if (registry == null) {
            throw BerthException.input(dir + " has a VERSION but no REGISTRY (in the folder or its parent): "
                    + "name the registry, or remove VERSION for a local-only " + name + ":latest");
        }
        return registry + "/" + name + ":" + version;
    }

    public String contextHash() { return ContextHash.of(dir); }

    private static String firstLine(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? null : s.lines().findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
