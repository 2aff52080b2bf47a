package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.store.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link BlobStore} must have; {@link #newStore()} gives an empty one. */
public abstract class BlobStoreContract {

    protected BlobStore store;

    protected abstract BlobStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private String read(String key, long from) throws IOException {
        Optional<InputStream> in = store.open(key, from);
        assertThat(in).as("blob %s", key).isPresent();
        try (InputStream s = in.get()) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void putStoresTheBytesAndReportsSizeAndSha256() throws Exception {
        BlobStore.BlobInfo info = store.put("t/abc/0/public/hello.txt", new ByteArrayInputStream(utf8("hello")));

        assertThat(info.size()).isEqualTo(5);
        assertThat(info.sha256()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(read("t/abc/0/public/hello.txt", 0)).isEqualTo("hello");
        assertThat(store.size("t/abc/0/public/hello.txt")).isEqualTo(5);
    }

    @Test
    void putReplacesWhatWasThere() throws Exception {
        store.put("k", new ByteArrayInputStream(utf8("first version")));
        store.put("k", new ByteArrayInputStream(utf8("second")));

        assertThat(read("k", 0)).isEqualTo("second");
        assertThat(store.size("k")).isEqualTo(6);
    }

    @Test
    void putStreamsALargeBodyWithTheRightDigest() throws Exception {
        long size = 16L * 1024 * 1024 + 3;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        InputStream generated = new InputStream() {
            long pos;
            @Override
            public int read() {
                if (pos >= size) return -1;
                int b = (int) ((pos * 31) & 0xff);
                expected.update((byte) b);
                pos++;
                return b;
            }
            @Override
            public int read(byte[] buf, int off, int len) {
                if (pos >= size) return -1;
                int n = (int) Math.min(len, size - pos);
                for (int i = 0; i < n; i++) buf[off + i] = (byte) read();
                return n;
            }
        };

        BlobStore.BlobInfo info = store.put("big/blob.bin", generated);

        assertThat(info.size()).isEqualTo(size);
        assertThat(info.sha256()).isEqualTo(HexFormat.of().formatHex(expected.digest()));
        assertThat(store.size("big/blob.bin")).isEqualTo(size);
    }

    @Test
    void appendCreatesTheBlobAndReturnsTheGrowingSize() throws Exception {
        byte[] chunk = utf8("xxline one\nyy");
        assertThat(store.append("logs/live.log", chunk, 2, 9)).isEqualTo(9);
        assertThat(store.append("logs/live.log", utf8("line two\n"), 0, 9)).isEqualTo(18);

        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(store.size("logs/live.log")).isEqualTo(18);
    }

    @Test
    void openFromAnOffsetOfAnAppendedBlobSkipsTheBytesBeforeIt() throws Exception {
        store.append("logs/live.log", utf8("0123"), 0, 4);
        store.append("logs/live.log", utf8("4567"), 0, 4);
        store.append("logs/live.log", utf8("89"), 0, 2);

        assertThat(read("logs/live.log", 0)).isEqualTo("0123456789");
        assertThat(read("logs/live.log", 3)).isEqualTo("3456789");
        assertThat(read("logs/live.log", 6)).isEqualTo("6789");
        assertThat(read("logs/live.log", 10)).isEmpty();
    }

    @Test
    void sealedAppendedBlobKeepsItsBytesAndSize() throws Exception {
        store.append("logs/live.log", utf8("line one\n"), 0, 9);
        store.append("logs/live.log", utf8("line two\n"), 0, 9);

        store.seal("logs/live.log");
        store.seal("logs/live.log");

        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(read("logs/live.log", 5)).isEqualTo("one\nline two\n");
        assertThat(store.size("logs/live.log")).isEqualTo(18);
    }

    @Test
    void aReaderOpenedBeforeTheSealStillGetsEveryByte() throws Exception {
        for (int i = 0; i < 4; i++) store.append("logs/live.log", utf8("part " + i + "\n"), 0, 7);

        try (InputStream in = store.open("logs/live.log", 3).orElseThrow()) {
            store.seal("logs/live.log");
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("t 0\npart 1\npart 2\npart 3\n");
        }
    }

    @Test
    void putOverAnAppendedBlobReplacesAllOfIt() throws Exception {
        store.append("logs/live.log", utf8("appended"), 0, 8);

        store.put("logs/live.log", new ByteArrayInputStream(utf8("whole")));

        assertThat(read("logs/live.log", 0)).isEqualTo("whole");
        assertThat(store.size("logs/live.log")).isEqualTo(5);
    }

    @Test
    void deleteRemovesAnAppendedBlob() throws Exception {
        store.append("logs/live.log", utf8("appended"), 0, 8);

        store.delete("logs/live.log");

        assertThat(store.open("logs/live.log", 0)).isEmpty();
        assertThat(store.size("logs/live.log")).isEqualTo(-1);
    }

    @Test
    void openFromAnOffsetSkipsTheBytesBeforeIt() throws Exception {
        store.put("k", new ByteArrayInputStream(utf8("0123456789")));

        assertThat(read("k", 4)).isEqualTo("456789");
        assertThat(read("k", 10)).isEmpty();
    }

    @Test
    void missingBlobOpensEmptyAndHasSizeMinusOne() throws Exception {
        assertThat(store.open("nope/nothing", 0)).isEmpty();
        assertThat(store.size("nope/nothing")).isEqualTo(-1);
    }

    @Test
    void deleteRemovesTheBlobAndIgnoresMissingOnes() throws Exception {
        store.put("k", new ByteArrayInputStream(utf8("x")));

        store.delete("k");
        store.delete("k");

        assertThat(store.open("k", 0)).isEmpty();
        assertThat(store.size("k")).isEqualTo(-1);
    }

    @Test
    void keysThatWouldEscapeTheStoreAreRejected() {
        for (String key : new String[] {"../outside", "a/../../outside", "/etc/passwd", "a/./b", "a//b", ""}) {
            assertThatThrownBy(() -> store.put(key, new ByteArrayInputStream(utf8("x"))))
                    .as("key '%s'", key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(key, 0)).as("key '%s'", key).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
