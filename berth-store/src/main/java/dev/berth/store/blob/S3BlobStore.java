package dev.berth.store.blob;

import dev.berth.core.store.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, S3Proxy...), addressed path-style so
 * any endpoint works. Readers and writers of whole artifacts get presigned URLs and talk to the bucket
 * directly; the server only handles what S3 cannot do, appends.
 *
 * <p>S3 has no append: each append is stored as its own object {@code .append/<key>/<offset>} (offset
 * zero-padded so the listing is in order; outside the key's own path, so that stores mapping keys to files,
 * as S3Proxy's filesystem backend does, never need a file and a directory of one name), and readers see the
 * pieces as one blob, of the size where the furthest piece ends. {@link #seal} joins them
 * into the object {@code <key>} once the live log is finished. Appends to one key are expected one at a
 * time (a worker sends its log in order); a batch sent again, maybe to another server, is stored once
 * through {@link #appendAt}.
 *
 * <p>Bodies stream: a put of unknown length holds one part ({@link #PART_SIZE}) in memory at most.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3BlobStore.class);

    /** Where and how to reach the bucket. The secret key is never logged (toString hides it). */
    public record Settings(URI endpoint, String bucket, String region, String accessKey, String secretKey) {
        @Override
        public String toString() {
            return "S3(endpoint=" + endpoint + ", bucket=" + bucket + ", region=" + region + ", accessKey=" + accessKey + ")";
        }
    }

    /** Multipart part size; S3 wants at least 5 MiB for every part but the last. */
    static final int PART_SIZE = 8 * 1024 * 1024;
    private static final String APPEND_SEGMENT = ".append";

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    private S3BlobStore(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    /** Connects and makes sure the bucket exists (creating it when missing), so a bad setting fails at start. */
    public static S3BlobStore open(Settings settings) {
        var credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        Region region = Region.of(settings.region());
        S3Client client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)))
                // Checksums only where the API demands them: S3-compatible servers differ in the newer ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        S3Presigner presigner = S3Presigner.builder()
                .endpointOverride(settings.endpoint())
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
        S3BlobStore store = new S3BlobStore(client, presigner, settings.bucket());
        try {
            boolean exists;
            try {
                client.headBucket(b -> b.bucket(settings.bucket()));
                exists = true;
            } catch (NoSuchBucketException e) {
                exists = false;
            } catch (S3Exception e) {
                if (e.statusCode() != 404) throw e;
                exists = false;
            }
            if (!exists) {
                LOG.info("creating bucket {} at {}", settings.bucket(), settings.endpoint());
                try {
                    client.createBucket(b -> b.bucket(settings.bucket()));
                } catch (S3Exception e) {
                    // another server sharing the bucket created it at the same moment
                    if (e.statusCode() != 409) throw e;
                }
            }
        } catch (SdkException e) {
            store.close();
            throw new IllegalStateException("cannot use artifact bucket " + settings + ": " + e.getMessage(), e);
        }
        return store;
    }

    @Override
    public BlobInfo put(String key, InputStream content) throws IOException {
        checkKey(key);
        MessageDigest sha = sha256();
        DigestInputStream in = new DigestInputStream(content, sha);
        long size;
        try {
            byte[] first = in.readNBytes(PART_SIZE);
            if (first.length < PART_SIZE) {
                s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(first));
                size = first.length;
            } else {
                size = putMultipart(key, first, in);
            }
            deleteAppends(key);
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        return new BlobInfo(size, HexFormat.of().formatHex(sha.digest()));
    }

    private long putMultipart(String key, byte[] first, InputStream rest) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long size = 0;
            byte[] part = first;
            while (part.length > 0) {
                int number = parts.size() + 1;
                byte[] body = part;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                        .contentLength((long) body.length), RequestBody.fromBytes(body)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                size += part.length;
                part = rest.readNBytes(PART_SIZE);
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            return size;
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    @Override
    public long append(String key, byte[] bytes, int offset, int length) throws IOException {
        checkKey(key);
        try {
            long size = sizeForAppend(key);
            putPiece(key, size, bytes, offset, length);
            return size + length;
        } catch (SdkException e) {
            throw failure("append to", key, e);
        }
    }

    /**
     * Stores only the bytes past the pieces' end, as the piece at that end. S3 has no compare-and-set, so two
     * servers given the same batch at once may both see the same end: both then write the same bytes to the
     * same piece key, and the later write replaces the earlier with equal content, so nothing is doubled.
     * (Pieces that overlap anyway are read with each byte once, see {@link #joined}.)
     */
    @Override
    public Appended appendAt(String key, long at, byte[] bytes, int offset, int length) throws IOException {
        if (at < 0) throw new IllegalArgumentException("append offset must not be negative, got " + at);
        checkKey(key);
        try {
            long size = sizeForAppend(key);
            int stored = BlobStore.newBytesFrom(at, size, length);
            if (stored < 0 || stored == length) return new Appended(size, 0);
            putPiece(key, size, bytes, offset + stored, length - stored);
            return new Appended(size + length - stored, length - stored);
        } catch (SdkException e) {
            throw failure("append to", key, e);
        }
    }

    /** The size appends continue from: the end of the pieces, or of the whole object (made the first piece). */
    private long sizeForAppend(String key) {
        List<Piece> pieces = appends(key);
        if (!pieces.isEmpty()) return end(pieces);
        long whole = objectSize(key);
        if (whole > 0) {
            // appending to a whole object: it becomes the first piece
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key)
                    .destinationBucket(bucket).destinationKey(pieceKey(key, 0)));
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        return Math.max(whole, 0);
    }

    private void putPiece(String key, long at, byte[] bytes, int offset, int length) {
        s3.putObject(b -> b.bucket(bucket).key(pieceKey(key, at)),
                RequestBody.fromInputStream(new ByteArrayInputStream(bytes, offset, length), length));
    }

    /** Where the pieces end: the furthest byte any of them reaches. */
    private static long end(List<Piece> pieces) {
        long end = 0;
        for (Piece p : pieces) end = Math.max(end, p.offset() + p.size());
        return end;
    }

    @Override
    public Optional<InputStream> open(String key, long from) throws IOException {
        if (from < 0) throw new IllegalArgumentException("offset must not be negative, got " + from);
        checkKey(key);
        try {
            long whole = objectSize(key);
            if (whole >= 0) {
                if (from >= whole) return Optional.of(InputStream.nullInputStream());
                return Optional.of(get(key, from));
            }
            List<Piece> pieces = appends(key);
            if (pieces.isEmpty()) return Optional.empty();
            return Optional.of(joined(key, pieces, from));
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public long size(String key) throws IOException {
        checkKey(key);
        try {
            long whole = objectSize(key);
            if (whole >= 0) return whole;
            List<Piece> pieces = appends(key);
            return pieces.isEmpty() ? -1 : end(pieces);
        } catch (SdkException e) {
            throw failure("size of", key, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        checkKey(key);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
            deleteAppends(key);
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /** Joins the appended pieces into the one object {@code key}, which presigned GETs can then serve. */
    @Override
    public void seal(String key) throws IOException {
        checkKey(key);
        List<Piece> pieces;
        try {
            pieces = appends(key);
        } catch (SdkException e) {
            throw failure("seal", key, e);
        }
        if (pieces.isEmpty()) return;
        try (InputStream all = joined(key, pieces, 0)) {
            put(key, all);
        }
    }

    @Override
    public Optional<URI> presignedPut(String key, Duration validFor) {
        checkKey(key);
        return Optional.of(uri(presigner.presignPutObject(p -> p.signatureDuration(validFor)
                .putObjectRequest(r -> r.bucket(bucket).key(key))).url()));
    }

    @Override
    public Optional<URI> presignedGet(String key, String contentType, Duration validFor) {
        checkKey(key);
        return Optional.of(uri(presigner.presignGetObject(p -> p.signatureDuration(validFor)
                .getObjectRequest(r -> r.bucket(bucket).key(key).responseContentType(contentType))).url()));
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    // ---- helpers

    private record Piece(String key, long offset, long size) {}

    private static String pieceKey(String key, long offset) {
        return APPEND_SEGMENT + "/" + key + "/" + String.format("%020d", offset);
    }

    /** The appended pieces of {@code key}, in offset order. */
    private List<Piece> appends(String key) {
        String prefix = APPEND_SEGMENT + "/" + key + "/";
        List<Piece> pieces = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            String rest = o.key().substring(prefix.length());
            if (rest.length() != 20 || !rest.chars().allMatch(Character::isDigit)) continue;
            pieces.add(new Piece(o.key(), Long.parseLong(rest), o.size()));
        }
        Collections.sort(pieces, (a, b) -> Long.compare(a.offset(), b.offset()));
        return pieces;
    }

    private void deleteAppends(String key) {
        for (Piece p : appends(key)) s3.deleteObject(b -> b.bucket(bucket).key(p.key()));
    }

    /**
     * The pieces from byte {@code from} as one stream; each piece is fetched only when reached. Every byte is
     * read once: a piece is read from where the ones before it end, and one that adds nothing is left out.
     */
    private InputStream joined(String key, List<Piece> pieces, long from) {
        List<long[]> wanted = new ArrayList<>(); // index into pieces, first byte of it to read
        long next = from;
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (p.offset() + p.size() <= next) continue;
            wanted.add(new long[] {i, Math.max(0, next - p.offset())});
            next = p.offset() + p.size();
        }
        Iterator<long[]> it = wanted.iterator();
        return new SequenceInputStream(new java.util.Enumeration<>() {
            private boolean sealedMeanwhile;

            @Override
            public boolean hasMoreElements() { return !sealedMeanwhile && it.hasNext(); }

            @Override
            public InputStream nextElement() {
                long[] w = it.next();
                Piece p = pieces.get((int) w[0]);
                long skip = w[1];
                try {
                    return get(p.key(), skip);
                } catch (NoSuchKeyException gone) {
                    // sealed (by this or another server) since the listing: the rest is in the whole object
                    sealedMeanwhile = true;
                    return get(key, p.offset() + skip);
                }
            }
        });
    }

    private ResponseInputStream<GetObjectResponse> get(String key, long from) {
        return s3.getObject(b -> {
            b.bucket(bucket).key(key);
            if (from > 0) b.range("bytes=" + from + "-");
        });
    }

    /** Size of the object {@code key}, or -1 when there is none. */
    private long objectSize(String key) {
        try {
            return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return -1;
            throw e;
        }
    }

    /** Keys as the local store takes them, so both stores refuse the same ones; ".append" is reserved here. */
    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("blob key must not be empty");
        if (key.startsWith("/") || key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("blob key '" + key + "' must be a relative path with '/' separators");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.equals(APPEND_SEGMENT)) {
                throw new IllegalArgumentException("blob key '" + key + "' has an empty, '.', '..' or reserved segment");
            }
        }
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 900) {
            throw new IllegalArgumentException("blob key '" + key + "' is longer than 900 bytes");
        }
    }

    private static IOException failure(String what, String key, SdkException e) {
        return new IOException("S3 " + what + " '" + key + "' failed: " + e.getMessage(), e);
    }

    private static URI uri(java.net.URL url) {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
