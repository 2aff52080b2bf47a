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
    void appendAtTheStoredSizeAppendsAndCreatesTheBlobAtOffsetZero() throws Exception {
        byte[] chunk = utf8("xxline one\nyy");
        assertThat(store.appendAt("logs/live.log", 0, chunk, 2, 9)).isEqualTo(new BlobStore.Appended(9, 9));
        assertThat(store.appendAt("logs/live.log", 9, utf8("line two\n"), 0, 9)).isEqualTo(new BlobStore.Appended(18, 9));

        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(store.size("logs/live.log")).isEqualTo(18);
    }

    @Test
    void appendAtOfABatchStoredAlreadyWritesNothing() throws Exception {
        store.appendAt("logs/live.log", 0, utf8("line one\n"), 0, 9);
        store.appendAt("logs/live.log", 9, utf8("line two\n"), 0, 9);

        assertThat(store.appendAt("logs/live.log", 9, utf8("line two\n"), 0, 9)).isEqualTo(new BlobStore.Appended(18, 0));
        assertThat(store.appendAt("logs/live.log", 0, utf8("line one\n"), 0, 9)).isEqualTo(new BlobStore.Appended(18, 0));

        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(read("logs/live.log", 12)).isEqualTo("e two\n");
        assertThat(store.size("logs/live.log")).isEqualTo(18);
    }

    @Test
    void appendAtOfABatchOverlappingTheEndAppendsOnlyItsTail() throws Exception {
        store.appendAt("logs/live.log", 0, utf8("line one\nline"), 0, 13);

        assertThat(store.appendAt("logs/live.log", 9, utf8("line two\n"), 0, 9)).isEqualTo(new BlobStore.Appended(18, 5));

        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(read("logs/live.log", 11)).isEqualTo("ne two\n");
        store.seal("logs/live.log");
        assertThat(read("logs/live.log", 0)).isEqualTo("line one\nline two\n");
        assertThat(store.size("logs/live.log")).isEqualTo(18);
    }

    @Test
    void appendAtBeyondTheStoredSizeWritesNothingAndAnswersTheStoredSize() throws Exception {
        assertThat(store.appendAt("logs/live.log", 5, utf8("later"), 0, 5)).isEqualTo(new BlobStore.Appended(0, 0));
        assertThat(store.size("logs/live.log")).as("no blob made for a batch with bytes missing before it").isEqualTo(-1);

        store.appendAt("logs/live.log", 0, utf8("0123"), 0, 4);
        BlobStore.Appended gap = store.appendAt("logs/live.log", 6, utf8("6789"), 0, 4);

        assertThat(gap).isEqualTo(new BlobStore.Appended(4, 0));
        assertThat(gap.gapBefore(6)).isTrue();
        assertThat(read("logs/live.log", 0)).isEqualTo("0123");
    }

    /** A batch sent again while its first request is still being stored (e.g. by another server). */
    @Test
    void theSameBatchAppendedAtOnceFromSeveralThreadsIsStoredOnce() throws Exception {
        int writers = 4;
        int rounds = 20;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        StringBuilder expected = new StringBuilder();
        try {
            for (int round = 0; round < rounds; round++) {
                byte[] batch = utf8("batch " + round + "\n");
                long at = expected.length();
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
                java.util.List<java.util.concurrent.Future<BlobStore.Appended>> answers = new java.util.ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return store.appendAt("logs/live.log", at, batch, 0, batch.length);
                    }));
                }
                expected.append("batch ").append(round).append('\n');
                for (var answer : answers) assertThat(answer.get().size()).as("round %d", round).isEqualTo(expected.length());
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(read("logs/live.log", 0)).isEqualTo(expected.toString());
        assertThat(store.size("logs/live.log")).isEqualTo(expected.length());
        store.seal("logs/live.log");
        assertThat(read("logs/live.log", 0)).isEqualTo(expected.toString());
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
