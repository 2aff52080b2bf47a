package dev.berth.core.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.auth.Slugid;
import dev.berth.core.store.BlobStore;
import dev.berth.testing.InMemoryObjectStore;
import dev.berth.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ObjectServiceTest {

    private final MutableClock clock = new MutableClock();
    private final MapBlobs blobs = new MapBlobs();
    private final ObjectService objects = new ObjectService(new InMemoryObjectStore(), blobs, clock);

    /** Blobs in a map: enough for the domain's put, open and delete. */
    static final class MapBlobs implements BlobStore {
        final Map<String, byte[]> map = new ConcurrentHashMap<>();

        @Override
        public BlobInfo put(String key, InputStream content) throws IOException {
            byte[] b = content.readAllBytes();
            map.put(key, b);
            return new BlobInfo(b.length, "");
        }

        @Override
        public long append(String key, byte[] bytes, int offset, int length) { throw new UnsupportedOperationException(); }

        @Override
        public Optional<InputStream> open(String key, long from) {
            byte[] b = map.get(key);
            return b == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(b, (int) from, b.length - (int) from));
        }

        @Override
        public long size(String key) { return map.containsKey(key) ? map.get(key).length : -1; }

        @Override
        public void delete(String key) { map.remove(key); }
    }

    private ObjectService.Upload inline(String name, String uploadId, byte[] data, Duration expiresIn) {
        return objects.createUpload(name, new ObjectService.CreateUpload("proj", uploadId, clock.instant().plus(expiresIn), null,
                new ObjectService.DataInline("text/plain", data), null));
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void finishingWithoutHashesRecordsTheHashesOfTheStoredBytesAndKeepsUnknownAlgorithmsAsGiven() throws Exception {
        byte[] data = "hello".getBytes();
        String uploadId = Slugid.nice();
        inline("o", uploadId, data, Duration.ofDays(1));

        ObjectRecord done = objects.finishUpload("o", "proj", uploadId, Map.of("blake9", "whatever"));

        assertThat(done.hashes()).containsEntry("sha256", sha256(data)).containsKey("sha512").containsEntry("blake9", "whatever");
        assertThat(done.size()).isEqualTo(5);
        assertThat(objects.finished("o").hashes()).isEqualTo(done.hashes());
    }

    @Test
    void inlineDataOverEightKibibytesIsRefused() {
        assertThatThrownBy(() -> inline("big", Slugid.nice(), new byte[8193], Duration.ofDays(1)))
                .isInstanceOf(BerthException.class).hasMessageContaining("8192");
    }

    @Test
    void objectNamesMustBePrintableAscii() {
        assertThatThrownBy(() -> inline("caf\u00e9", Slugid.nice(), new byte[1], Duration.ofDays(1))).hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> inline("a\tb", Slugid.nice(), new byte[1], Duration.ofDays(1))).hasMessageContaining("printable ASCII");
    }

    @Test
    void finishingAnUploadWithNoDataIsAConflict() {
        String uploadId = Slugid.nice();
        objects.createUpload("empty", new ObjectService.CreateUpload("proj", uploadId, clock.instant().plus(Duration.ofDays(1)), null,
                null, new ObjectService.PutUrl("text/plain", 3)));

        assertThatThrownBy(() -> objects.finishUpload("empty", "proj", uploadId, Map.of()))
                .isInstanceOf(BerthException.class).hasMessageContaining("no data");
    }

    @Test
    void getUrlIsPreferredToSimpleAndNoSharedMethodIsRefused() {
        assertThat(ObjectService.downloadMethod(Set.of("simple", "getUrl"))).isEqualTo("getUrl");
        assertThat(ObjectService.downloadMethod(Set.of("simple"))).isEqualTo("simple");
        assertThatThrownBy(() -> ObjectService.downloadMethod(Set.of("carrierPigeon"))).isInstanceOf(ObjectService.NoMatchingMethod.class);
    }

    @Test
    void expiryDeletesExpiredObjectsAndAbandonedUploadsWithTheirBytesAndNothingElse() {
        String shortId = Slugid.nice();
        inline("short", shortId, "a".getBytes(), Duration.ofHours(2));
        objects.finishUpload("short", "proj", shortId, Map.of());
        String longId = Slugid.nice();
        inline("long", longId, "b".getBytes(), Duration.ofDays(10));
        objects.finishUpload("long", "proj", longId, Map.of());
        inline("abandoned", Slugid.nice(), "c".getBytes(), Duration.ofDays(10));

        clock.advance(Duration.ofHours(3));
        assertThat(objects.expire()).isEqualTo(1);
        assertThat(blobs.map).doesNotContainKey("objects/" + shortId).hasSize(2);
        clock.advance(Duration.ofDays(1));
        assertThat(objects.expire()).isEqualTo(1);

        assertThat(blobs.map).containsOnlyKeys("objects/" + longId);
        assertThat(objects.finished("long").size()).isEqualTo(1);
        assertThatThrownBy(() -> objects.finished("short")).hasMessageContaining("not found");
    }
}
