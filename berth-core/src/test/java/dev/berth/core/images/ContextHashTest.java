package dev.berth.core.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextHashTest {

    @TempDir
    Path tmp;

    private Path folder(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.createDirectories(d.resolve("sub"));
        Files.writeString(d.resolve("Dockerfile"), "FROM x\n");
        Files.writeString(d.resolve("sub/file.txt"), "hello\n");
        Files.writeString(d.resolve("VERSION"), "1.0\n");
        return d;
    }

    @Test
    void matchesTheSeedsAlgorithmAsComputedByAnIndependentImplementation() throws Exception {
        // computed with Python's hashlib over the same three files (see the class comment for the format)
        assertThat(ContextHash.of(folder("a"))).isEqualTo("2a0c21dc0fce623c95f7c2e19cd3cdff53bfbf56e8f5ee0de9655971f08fc64e");
    }

    @Test
    void theSameFilesGiveTheSameHashWhereverTheyAreAndWhateverTheirTimes() throws Exception {
        Path a = folder("a"), b = folder("elsewhere");
        Files.setLastModifiedTime(b.resolve("VERSION"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        assertThat(ContextHash.of(a)).isEqualTo(ContextHash.of(b));
    }

    @Test
    void aChangedByteARenamedFileOrANewEmptyFileChangesTheHash() throws Exception {
        String before = ContextHash.of(folder("a"));
        Path changed = folder("changed");
        Files.writeString(changed.resolve("sub/file.txt"), "hellO\n");
        Path renamed = folder("renamed");
        Files.move(renamed.resolve("sub/file.txt"), renamed.resolve("sub/other.txt"));
        Path added = folder("added");
        Files.createFile(added.resolve("empty"));
        assertThat(ContextHash.of(changed)).isNotEqualTo(before);
        assertThat(ContextHash.of(renamed)).isNotEqualTo(before);
        assertThat(ContextHash.of(added)).isNotEqualTo(before);
    }
}
