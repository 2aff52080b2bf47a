package dev.berth.core.object;

import dev.berth.core.BerthException;
import dev.berth.core.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The object service's rules, as Taskcluster's: the first createUpload of a name fixes its projectId, uploadId,
 * expiry and any hashes; repeats with the same values are answered again (to renew a URL), anything else is a
 * conflict; finishUpload checks the hashes the uploader states against the bytes stored and makes the object
 * immutable; downloads are offered only for finished objects. Bytes live in the BlobStore, under the upload id.
 */
public final class ObjectService {

    /** Taskcluster's limit for inline data: 8 KiB before base64. */
    public static final int DATA_INLINE_MAX_BYTES = 8192;
    /** Unfinished uploads are dropped after this long, as Taskcluster's. */
    public static final Duration UPLOAD_EXPIRY = Duration.ofDays(1);
    public static final int NAME_MAX_LENGTH = 1024;
    /** Hash algorithms Berth checks against the stored bytes; others given by a newer client are kept unchecked. */
    public static final Set<String> KNOWN_HASHES = Set.of("sha256", "sha512");
    /** Download methods in Berth's order of preference, as Taskcluster's. */
    public static final List<String> DOWNLOAD_METHODS = List.of("getUrl", "simple");

    private static final Pattern NAME = Pattern.compile("[\\x20-\\x7e]+");
    private static final Pattern PROJECT_ID = Pattern.compile("[a-zA-Z0-9._/-]{1,500}");
    private static final Map<String, Pattern> HASH_PATTERNS = Map.of(
            "sha256", Pattern.compile("[a-z0-9]{64}"), "sha512", Pattern.compile("[a-z0-9]{128}"));

    /** Inline data proposed by the uploader. */
    public record DataInline(String contentType, byte[] data) {}

    /** A PUT URL asked for by the uploader, for {@code contentLength} bytes. */
    public record PutUrl(String contentType, long contentLength) {}

    /** A createUpload call; either proposed method may be null (both null: just lock in the upload). */
    public record CreateUpload(String projectId, String uploadId, Instant expires, Map<String, String> hashes,
                               DataInline dataInline, PutUrl putUrl) {}

    public enum Method { DATA_INLINE, PUT_URL, NONE }

    /** What createUpload agreed to: the method chosen, if any, for the object as now stored. */
    public record Upload(ObjectRecord object, Method method) {}

    /** None of the caller's download methods is one this service offers (Taskcluster answers 406). */
    public static final class NoMatchingMethod extends BerthException {
        NoMatchingMethod(String message) { super(Kind.INPUT_ERROR, message); }
    }

    private final ObjectStore objects;
    private final BlobStore blobs;
    private final Clock clock;

    public ObjectService(ObjectStore objects, BlobStore blobs, Clock clock) {
        this.objects = objects;
        this.blobs = blobs;
        this.clock = clock;
    }

    /** The object name rule: 1 to 1024 printable ASCII characters (space included), as Taskcluster's. */
    public static void checkName(String name) {
        if (name == null || name.isEmpty()) throw BerthException.input("the object name must not be empty");
        if (name.length() > NAME_MAX_LENGTH) {
            throw BerthException.input("the object name is " + name.length() + " characters long; at most " + NAME_MAX_LENGTH + " are allowed");
        }
        if (!NAME.matcher(name).matches()) {
            throw BerthException.input("the object name may hold only printable ASCII characters (0x20 to 0x7e)");
        }
    }

    public static void checkProjectId(String projectId) {
        if (projectId == null || !PROJECT_ID.matcher(projectId).matches()) {
            throw BerthException.input("projectId must be 1 to 500 of a-z A-Z 0-9 . _ / -");
        }
    }

    /** createUpload: fixes the upload on the first call; agrees to inline data (stored now) or a PUT URL. */
    public Upload createUpload(String name, CreateUpload request) {
        checkName(name);
        checkProjectId(request.projectId());
        Map<String, String> given = checkedHashes(request.hashes());
        Instant now = clock.instant();
        ObjectRecord wanted = new ObjectRecord(name, request.projectId(), request.uploadId(), false, request.expires(),
                now.plus(UPLOAD_EXPIRY), "objects/" + request.uploadId(), null, -1, Map.of(), now);
        ObjectRecord stored = objects.insertIfAbsent(wanted);
        if (!stored.name().equals(name)) {
            throw BerthException.conflict("uploadId " + request.uploadId() + " is already used for another object");
        }
        if (stored.finished()) throw BerthException.conflict("object '" + name + "' already exists (its upload is finished)");
        if (!stored.uploadId().equals(request.uploadId())) {
            throw BerthException.conflict("object '" + name + "' is being uploaded with another uploadId");
        }
        if (!stored.projectId().equals(request.projectId())) {
            throw BerthException.conflict("object '" + name + "' is being uploaded with projectId " + stored.projectId()
                    + ", not " + request.projectId());
        }
        if (!stored.expires().equals(request.expires())) {
            throw BerthException.conflict("object '" + name + "' is being uploaded with expires " + stored.expires()
                    + "; the expiry cannot be changed");
        }
        Map<String, String> hashes = merged(name, stored.hashes(), given);
        Method method = Method.NONE;
        String contentType = stored.contentType();
        long size = stored.size();
        if (request.dataInline() != null) {
            DataInline inline = request.dataInline();
            contentType = checkedContentType(inline.contentType());
            if (inline.data().length > DATA_INLINE_MAX_BYTES) {
                throw BerthException.input("dataInline objectData holds " + inline.data().length + " bytes; at most "
                        + DATA_INLINE_MAX_BYTES + " may be sent inline (use putUrl)");
            }
            try {
                size = blobs.put(stored.blobKey(), new java.io.ByteArrayInputStream(inline.data())).size();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            method = Method.DATA_INLINE;
        } else if (request.putUrl() != null) {
            contentType = checkedContentType(request.putUrl().contentType());
            if (request.putUrl().contentLength() < 0) throw BerthException.input("putUrl contentLength must not be negative");
            size = request.putUrl().contentLength();
            method = Method.PUT_URL;
        }
        ObjectRecord updated = stored.withUpload(contentType, size, hashes);
        if (!objects.updateUnfinished(updated)) {
            throw BerthException.conflict("object '" + name + "' was finished or removed meanwhile");
        }
        return new Upload(updated, method);
    }

    /**
     * Stores the bytes PUT to an upload URL this service handed out (stores without presigned URLs).
     * The upload must still be open, with {@code uploadId}; the byte count must be the contentLength agreed.
     */
    public ObjectRecord receive(String name, String uploadId, InputStream body) {
        ObjectRecord o = unfinished(name, uploadId);
        try {
            BlobStore.BlobInfo info = blobs.put(o.blobKey(), body);
            if (o.size() >= 0 && info.size() != o.size()) {
                blobs.delete(o.blobKey());
                throw BerthException.input("the upload of object '" + name + "' sent " + info.size()
                        + " bytes; createUpload said contentLength " + o.size());
            }
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The open upload {@code name} with {@code uploadId}, for a writer. A finished object is a conflict, and so is
     * an upload under another id (a URL from an earlier, expired upload of the same name).
     */
    public ObjectRecord unfinished(String name, String uploadId) {
        ObjectRecord o = unfinished(name);
        if (!o.uploadId().equals(uploadId)) throw BerthException.conflict("object '" + name + "' is being uploaded under another uploadId");
        return o;
    }

    /** The open upload {@code name}; a finished object is a conflict: its data never changes. */
    public ObjectRecord unfinished(String name) {
        checkName(name);
        ObjectRecord o = objects.find(name).orElseThrow(() -> BerthException.notFound("object '" + name + "' not found"));
        if (o.finished()) throw BerthException.conflict("object '" + name + "' is finished; its data cannot be changed");
        return o;
    }

    /** Reads from the store, so a heartbeat fails when the database does. */
    public void heartbeat() {
        objects.find("berth/heartbeat");
    }

    /**
     * finishUpload: the stored bytes must hash to every hash stated (now or at createUpload); the object is then
     * immutable. Repeating it on a finished object succeeds when it states no hash the object lacks or differs in.
     */
    public ObjectRecord finishUpload(String name, String projectId, String uploadId, Map<String, String> hashes) {
        checkName(name);
        Map<String, String> given = checkedHashes(hashes);
        ObjectRecord o = objects.find(name).orElseThrow(() -> BerthException.notFound("object '" + name + "' not found"));
        if (!o.projectId().equals(projectId)) {
            throw BerthException.input("object '" + name + "' does not have projectId " + projectId);
        }
        if (o.finished()) {
            for (Map.Entry<String, String> h : given.entrySet()) {
                String have = o.hashes().get(h.getKey());
                if (have == null) {
                    throw BerthException.conflict("object '" + name + "' is already finished, but without hash algorithm " + h.getKey());
                }
                if (!have.equals(h.getValue())) {
                    throw BerthException.conflict("object '" + name + "' is already finished, but with a different " + h.getKey() + " hash");
                }
            }
            return o;
        }
        if (!o.uploadId().equals(uploadId)) {
            throw BerthException.conflict("object '" + name + "' does not have uploadId " + uploadId);
        }
        Map<String, String> stated = merged(name, o.hashes(), given);
        Hashed actual = hash(o);
        for (String algorithm : KNOWN_HASHES) {
            String want = stated.get(algorithm);
            if (want != null && !want.equals(actual.hashes().get(algorithm))) {
                throw BerthException.input("the " + algorithm + " hash given for object '" + name + "' (" + want
                        + ") does not match its uploaded data (" + actual.size() + " bytes, " + algorithm + " "
                        + actual.hashes().get(algorithm) + ")");
            }
        }
        // stated hashes of algorithms Berth does not know are kept as given; the known ones are what the bytes hash to
        Map<String, String> all = new TreeMap<>(stated);
        all.putAll(actual.hashes());
        ObjectRecord done = o.finishedWith(actual.size(), all);
        if (!objects.updateUnfinished(done)) {
            throw BerthException.conflict("object '" + name + "' was finished or removed meanwhile");
        }
        return done;
    }

    /** A finished, unexpired object, for a reader. */
    public ObjectRecord finished(String name) {
        checkName(name);
        return objects.find(name).filter(o -> o.finished() && o.expires().isAfter(clock.instant()))
                .orElseThrow(() -> BerthException.notFound("object '" + name + "' not found"));
    }

    /** The download method to use among those the caller accepts, in this service's order of preference. */
    public static String downloadMethod(Set<String> accepted) {
        return DOWNLOAD_METHODS.stream().filter(accepted::contains).findFirst().orElseThrow(() ->
                new NoMatchingMethod("object supports the download methods " + String.join(", ", DOWNLOAD_METHODS)
                        + "; the request accepts " + (accepted.isEmpty() ? "none" : String.join(", ", accepted))));
    }

    /** A URL the uploader PUTs the bytes to directly, when the blob store has such URLs. */
    public Optional<URI> directUploadUrl(ObjectRecord o, Duration validFor) {
        return blobs.presignedPut(o.blobKey(), validFor);
    }

    /** A URL a reader GETs the bytes from directly, when the blob store has such URLs. */
    public Optional<URI> directDownloadUrl(ObjectRecord o, Duration validFor) {
        return blobs.presignedGet(o.blobKey(), o.contentType() == null ? "application/octet-stream" : o.contentType(), validFor);
    }

    /** The bytes of a finished object: exactly its size. */
    public InputStream open(ObjectRecord o) {
        try {
            return new dev.berth.core.queue.BoundedInputStream(blobs.open(o.blobKey(), 0).orElseThrow(() ->
                    BerthException.notFound("object '" + o.name() + "' has no stored data")), o.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes expired objects and abandoned uploads, bytes first; returns how many. */
    public int expire() {
        List<ObjectRecord> expired = objects.expired(clock.instant(), 500);
        for (ObjectRecord o : expired) {
            try {
                blobs.delete(o.blobKey());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            objects.delete(o.name(), o.uploadId());
        }
        return expired.size();
    }

    private record Hashed(long size, Map<String, String> hashes) {}

    private Hashed hash(ObjectRecord o) {
        try {
            Optional<InputStream> in = blobs.open(o.blobKey(), 0);
            if (in.isEmpty()) throw BerthException.conflict("no data has been uploaded for object '" + o.name() + "'");
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            long size = 0;
            try (InputStream body = in.get()) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = body.read(buf)) > 0; size += n) {
                    sha256.update(buf, 0, n);
                    sha512.update(buf, 0, n);
                }
            }
            return new Hashed(size, Map.of("sha256", HexFormat.of().formatHex(sha256.digest()),
                    "sha512", HexFormat.of().formatHex(sha512.digest())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> checkedHashes(Map<String, String> hashes) {
        if (hashes == null) return Map.of();
        for (Map.Entry<String, String> h : hashes.entrySet()) {
            Pattern p = HASH_PATTERNS.get(h.getKey());
            if (p != null && (h.getValue() == null || !p.matcher(h.getValue()).matches())) {
                throw BerthException.input("hashes." + h.getKey() + " must be " + (h.getKey().equals("sha256") ? 64 : 128)
                        + " lowercase hex digits");
            }
        }
        return hashes;
    }

    /** Hashes once stated cannot change: a new value for a stated algorithm is a conflict. */
    private static Map<String, String> merged(String name, Map<String, String> stored, Map<String, String> given) {
        Map<String, String> out = new LinkedHashMap<>(stored);
        for (Map.Entry<String, String> h : given.entrySet()) {
            String had = out.putIfAbsent(h.getKey(), h.getValue());
            if (had != null && !had.equals(h.getValue())) {
                throw BerthException.conflict("object '" + name + "' already has a different " + h.getKey() + " hash");
            }
        }
        return out;
    }

    private static String checkedContentType(String type) {
        if (type == null || type.isEmpty() || type.length() > 255 || type.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw BerthException.input("contentType must be 1 to 255 printable ASCII characters (e.g. text/plain)");
        }
        return type;
    }
}
