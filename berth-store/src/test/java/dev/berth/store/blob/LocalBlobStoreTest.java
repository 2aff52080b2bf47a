package dev.berth.store.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.store.BlobStore;
import dev.berth.testing.BlobStoreContract;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path root;

    @Override
    protected BlobStore newStore() throws Exception {
        return new LocalBlobStore(root.resolve("blobs"));
    }

    @Test
    void everyDirectoryAndFileItMakesIsReadableByTheOwnerOnly() throws Exception {
        store.put("artifacts/t1/0/aaaa", new ByteArrayInputStream("whole".getBytes(StandardCharsets.UTF_8)));
        store.append("artifacts/t1/0/bbbb", "live".getBytes(StandardCharsets.UTF_8), 0, 4);
        try (Stream<Path> all = Files.walk(root.resolve("blobs"))) {
            all.forEach(p -> {
                try {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                    assertThat(mode).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(Files.exists(root.resolve("blobs/artifacts/t1/0/bbbb"))).isTrue();
    }
}
