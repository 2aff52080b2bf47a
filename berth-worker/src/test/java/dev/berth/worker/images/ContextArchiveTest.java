package dev.berth.worker.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.images.ContextHash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextArchiveTest {

    @TempDir
    Path tmp;

    @Test
    void aFolderSentAndUnpackedHasTheSameContextHash() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("app/sub"));
        Files.writeString(tmp.resolve("app/Dockerfile"), "FROM x\n");
        Files.writeString(folder.resolve("f.txt"), "hello\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContextArchive.write(tmp.resolve("app"), out);
        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        assertThat(ContextArchive.extract(new ByteArrayInputStream(out.toByteArray()), unpacked)).isEqualTo(2);
        assertThat(ContextHash.of(unpacked)).isEqualTo(ContextHash.of(tmp.resolve("app")));
    }

    @Test
    void anEntryLeavingTheFolderOrABrokenArchiveIsRefused() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            byte[] b = "x".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("../escape.txt");
            e.setSize(b.length);
            tar.putArchiveEntry(e);
            tar.write(b);
            tar.closeArchiveEntry();
        }
        Path dir = Files.createDirectories(tmp.resolve("target"));
        assertThatThrownBy(() -> ContextArchive.extract(new ByteArrayInputStream(out.toByteArray()), dir))
                .isInstanceOf(ContextArchive.NotAnArchive.class).hasMessageContaining("outside");
        assertThat(tmp.resolve("escape.txt")).doesNotExist();
        assertThatThrownBy(() -> ContextArchive.extract(new ByteArrayInputStream("not gzip".getBytes()), dir))
                .isInstanceOf(ContextArchive.NotAnArchive.class);
    }
}
