package dev.berth.worker.caches;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each cache instance was last used, kept in the worker's data directory: a volume's labels are
 * fixed when it is made, so they carry its cache name and creation time, and this file the last use,
 * so the order of instances survives a restart. Losing it costs only that order (the creation time
 * stands in).
 */
final class CacheUsage {

    private static final Logger LOG = LoggerFactory.getLogger(CacheUsage.class);

    private final Path file;
    private final Properties lastUsed = new Properties();

    CacheUsage(Path dataDir) {
        this.file = dataDir == null ? null : dataDir.resolve("caches").resolve("last-used.properties");
        if (file != null && Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                lastUsed.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("cannot read {}; cache instances are ordered by creation time instead: {}", file, e.toString());
            }
        }
    }

    synchronized Optional<Instant> lastUsed(String volumeName) {
        String v = lastUsed.getProperty(volumeName);
        try {
            return v == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(v)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Records the instances' last uses (and drops the ones no longer there), then writes the file. */
    synchronized void save(Map<String, Instant> byVolume) {
        lastUsed.clear();
        byVolume.forEach((volume, when) -> lastUsed.setProperty(volume, Long.toString(when.toEpochMilli())));
        if (file == null) return;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                lastUsed.store(out, "berth worker: last use of each cache instance (epoch ms)");
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", file, e.toString());
        }
    }
}
