package dev.berth.worker.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class TarManifestScannerTest {

    static byte[] tar(String... namesAndContents) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] content = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i]);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /** Reads everything in chunks of random sizes, as the engine's load would. */
    private static TarManifestScanner drain(byte[] bytes, long seed) throws Exception {
        TarManifestScanner scanner = new TarManifestScanner(new ByteArrayInputStream(bytes));
        Random random = new Random(seed);
        byte[] buf = new byte[2000];
        while (true) {
            int n = random.nextInt(4) == 0 ? (scanner.read() < 0 ? -1 : 1) : scanner.read(buf, 0, 1 + random.nextInt(buf.length));
            if (n < 0) break;
        }
        return scanner;
    }

    @Test
    void findsTheManifestWhereverItStandsAndHoweverTheBytesAreRead() throws Exception {
        String manifest = "[{\"Config\":\"" + "a".repeat(64) + ".json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/layer.tar\"]}]";
        String big = "z".repeat(70_000);
        for (byte[] tar : new byte[][] {
                tar("manifest.json", manifest, "l/layer.tar", big),
                tar("l/layer.tar", big, "a".repeat(64) + ".json", "{}", "manifest.json", manifest, "repositories", "{}"),
                tar("d/" + "long".repeat(40) + "/layer.tar", big, "manifest.json", manifest)}) {
            for (long seed = 0; seed < 5; seed++) {
                TarManifestScanner s = drain(tar, seed);
                assertThat(s.malformed()).isFalse();
                assertThat(new String(s.manifest(), StandardCharsets.UTF_8)).isEqualTo(manifest);
            }
        }
    }

    @Test
    void aStreamThatIsNotATarIsSaidToBeMalformedAndHasNoManifest() throws Exception {
        byte[] noise = new byte[5000];
        new Random(7).nextBytes(noise);
        TarManifestScanner s = drain(noise, 1);
        assertThat(s.malformed()).isTrue();
        assertThat(s.manifest()).isNull();
        TarManifestScanner text = drain("just some text, not an image\n".repeat(50).getBytes(StandardCharsets.UTF_8), 2);
        assertThat(text.manifest()).isNull();
    }

    @Test
    void passesEveryByteOnUnchanged() throws Exception {
        byte[] tar = tar("manifest.json", "[]", "x", "y".repeat(1234));
        try (InputStream in = new TarManifestScanner(new ByteArrayInputStream(tar))) {
            assertThat(in.readAllBytes()).isEqualTo(tar);
        }
    }
}
