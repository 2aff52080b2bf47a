package dev.berth.core.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.BlobStore;
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Artifacts of runs: records in the TaskStore, bytes in the BlobStore. Storage types follow Taskcluster:
 * {@code s3} (bytes uploaded to a URL the queue hands out, here served by Berth itself), {@code object} (bytes in
 * the object service, see {@code ObjectArtifacts}), {@code reference}
 * (a redirect), {@code error} (a failure a reader is told about, 424) and {@code link} (another artifact
 * of the same run).
 */
public final class ArtifactService {

    public static final Set<String> STORAGE_TYPES = Set.of("s3", "object", "reference", "error", "link");
    public static final Set<String> ERROR_REASONS = Set.of(
            "file-missing-on-worker", "invalid-resource-on-worker", "too-large-file-on-worker");
    /** As in Taskcluster: a worker may still add artifacts this long after its run resolved. */
    private static final Duration LATE_UPLOAD = Duration.ofMinutes(25);

    /** What a reader of an artifact gets. Exactly one of the shapes applies, by {@code artifact.storageType()}. */
    public record Resolved(ArtifactRecord artifact, String redirectUrl, String errorMessage) {}

    private final TaskStore tasks;
    private final BlobStore blobs;
    private final Clock clock;
    /** Wakes followers of a live artifact in this process; other servers' writes are seen by polling. */
    private final KeyedSignals writes = new KeyedSignals();

    public ArtifactService(TaskStore tasks, BlobStore blobs, Clock clock) {
        this.tasks = tasks;
        this.blobs = blobs;
        this.clock = clock;
    }

    /**
     * createArtifact: records the artifact of a running run (or one resolved moments ago). Re-creating an
     * artifact with the same storage type and content type is allowed (a retried upload); anything else
     * that would change an existing artifact is a conflict.
     */
    public ArtifactRecord create(String taskId, int runId, String name, JsonNode request) {
        ArtifactNames.check(name);
        TaskRecord task = requireOpenForWrites(taskId, runId, "created");
        String storageType = text(request, "storageType", true);
        if (!STORAGE_TYPES.contains(storageType)) {
            throw BerthException.input("storageType must be one of " + String.join(", ", STORAGE_TYPES.stream().sorted().toList())
                    + "; got '" + storageType + "'");
        }
        Instant expires = task.definition().expires();
        if (request.hasNonNull("expires")) {
            try {
                expires = java.time.OffsetDateTime.parse(text(request, "expires", true)).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw BerthException.input("expires must be an ISO-8601 timestamp; got '" + request.get("expires").asText() + "'");
            }
        }
        if (expires.isAfter(task.definition().expires())) {
            throw BerthException.input("expires must not be after the task's expires (" + Json.format(task.definition().expires()) + ")");
        }
        ObjectNode details = Json.MAPPER.createObjectNode();
        String contentType = "application/octet-stream";
        boolean present = false;
        String blobKey = null;
        switch (storageType) {
            case "s3" -> {
                contentType = contentType(request, true);
                blobKey = ArtifactNames.blobKey(taskId, runId, name);
            }
            case "object" -> {
                // the bytes go to the object service (see ObjectArtifacts); this upload id is the artifact's own
                contentType = contentType(request, true);
                details.put("uploadId", dev.berth.core.auth.Slugid.nice());
            }
            case "reference" -> {
                String url = text(request, "url", true);
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    throw BerthException.input("url must be an http(s) URL; got '" + url + "'");
                }
                try {
                    // it becomes a Location header: no spaces, no control characters
                    new java.net.URI(url);
                } catch (java.net.URISyntaxException e) {
                    throw BerthException.input("url is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
                }
                details.put("url", url);
                if (request.hasNonNull("contentType")) contentType = contentType(request, false);
                present = true;
            }
            case "error" -> {
                String reason = text(request, "reason", true);
                if (!ERROR_REASONS.contains(reason)) {
                    throw BerthException.input("reason must be one of " + String.join(", ", ERROR_REASONS.stream().sorted().toList())
                            + "; got '" + reason + "'");
                }
                details.put("reason", reason);
                details.put("message", text(request, "message", true));
                present = true;
            }
            case "link" -> {
                String target = text(request, "artifact", true);
                ArtifactNames.check(target, "the linked artifact's name");
                details.put("artifact", target);
                if (request.hasNonNull("contentType")) contentType = contentType(request, false);
                present = true;
            }
            default -> throw new IllegalStateException(storageType);
        }
        ArtifactRecord wanted = new ArtifactRecord(taskId, runId, name, storageType, contentType, expires, present, blobKey, details);
        // a finished upload stays as it is: re-creating it (a retried call) must not reopen it for writes
        ArtifactRecord stored = tasks.putArtifact(wanted, existing ->
                existing.storageType().equals(storageType) && existing.contentType().equals(wanted.contentType())
                        && !("s3".equals(storageType) && existing.present())
                        // an object artifact keeps its first upload id: the object service has it locked in
                        && !"object".equals(storageType));
        if (!stored.storageType().equals(storageType) || !stored.contentType().equals(wanted.contentType())) {
            throw BerthException.conflict("artifact " + name + " of run " + runId + " exists with storageType "
                    + stored.storageType() + " and contentType " + stored.contentType());
        }
        return stored;
    }

    /** Stores the uploaded bytes of an s3 artifact and marks it present. */
    public ArtifactRecord upload(String taskId, int runId, String name, InputStream body) {
        // an upload URL outlives its run; once the run is over its artifacts are final
        requireOpenForWrites(taskId, runId, "uploaded");
        ArtifactRecord a = find(taskId, runId, name);
        if (!"s3".equals(a.storageType())) throw BerthException.conflict("artifact " + name + " is not an upload (s3) artifact");
        try {
            if (a.present()) {
                // finished, so immutable; the same bytes again are a retried upload and change nothing
                String sha = a.details() == null ? "" : a.details().path("sha256").asText("");
                if (!sha.isEmpty() && sha.equals(sha256(body))) return a;
                throw finishedConflict(a, "replaced");
            }
            BlobStore.BlobInfo info = blobs.put(a.blobKey(), body);
            ObjectNode details = a.details() != null && a.details().isObject()
                    ? ((ObjectNode) a.details()).deepCopy() : Json.MAPPER.createObjectNode();
            details.put("size", info.size());
            details.put("sha256", info.sha256());
            ArtifactRecord done = tasks.putArtifact(a.withPresent(true, details), existing -> true);
            writes.signalAndForget(writeKey(done));
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends bytes at the end of an s3 artifact that is still being written (a live log); not yet present. */
    public long append(String taskId, int runId, String name, byte[] bytes) {
        ArtifactRecord a = appendable(taskId, runId, name);
        try {
            long size = blobs.append(a.blobKey(), bytes, 0, bytes.length);
            writes.signal(writeKey(a));
            return size;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends a batch that starts at byte {@code at} of a live artifact, storing only what it does not hold
     * yet: a batch sent again because its answer was lost (server killed, connection cut) is not stored
     * twice. A batch starting beyond the stored size is a conflict naming both numbers: bytes are missing,
     * and the writer must not skip them.
     */
    public BlobStore.Appended appendAt(String taskId, int runId, String name, long at, byte[] bytes) {
        if (at < 0) throw BerthException.input("offset must be a byte count of 0 or more; got " + at);
        ArtifactRecord a = appendable(taskId, runId, name);
        try {
            BlobStore.Appended done = blobs.appendAt(a.blobKey(), at, bytes, 0, bytes.length);
            if (done.gapBefore(at)) {
                throw BerthException.conflict("artifact " + name + " of run " + runId + " of task " + taskId + " holds "
                        + done.size() + " bytes; an append at offset " + at + " would leave " + (at - done.size())
                        + " bytes missing (send the batch starting at offset " + done.size() + ")");
            }
            if (done.written() > 0) writes.signal(writeKey(a));
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The offset of an append as a request states it: a byte count, 0 or more. */
    public static long parseOffset(String text) {
        if (text == null || text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            String shown = text == null ? "" : text.length() > 40 ? text.substring(0, 40) + "..." : text;
            throw BerthException.input("offset must be a byte count of 0 or more (digits only); got '"
                    + shown.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return Long.parseLong(text);
    }

    private ArtifactRecord appendable(String taskId, int runId, String name) {
        requireOpenForWrites(taskId, runId, "written");
        ArtifactRecord a = find(taskId, runId, name);
        if (!"s3".equals(a.storageType())) throw BerthException.conflict("artifact " + name + " is not an upload (s3) artifact");
        if (a.present()) throw finishedConflict(a, "appended to");
        return a;
    }

    /** finishArtifact: marks an upload complete (bytes already stored, e.g. by appends). */
    public ArtifactRecord finish(String taskId, int runId, String name) {
        ArtifactRecord a = find(taskId, runId, name);
        if (a.present()) return a;
        try {
            if (a.blobKey() != null) blobs.seal(a.blobKey());
            long size = a.blobKey() == null ? -1 : blobs.size(a.blobKey());
            if (size < 0) throw BerthException.conflict("artifact " + name + " has no uploaded content yet");
            ObjectNode details = Json.MAPPER.createObjectNode();
            details.put("size", size);
            ArtifactRecord done = tasks.putArtifact(a.withPresent(true, details), existing -> true);
            writes.signalAndForget(writeKey(done));
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BerthException finishedConflict(ArtifactRecord a, String verb) {
        String size = a.details() != null && a.details().has("size") ? " (" + a.details().get("size").asLong() + " bytes)" : "";
        return BerthException.conflict("artifact " + a.name() + " of run " + a.runId() + " of task " + a.taskId()
                + " is finished" + size + " and cannot be " + verb + "; its content is final once uploaded or finished"
                + " (create an artifact under a new name for new content)");
    }

    private static String sha256(InputStream in) throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    /** A URL the uploader PUTs the bytes of an s3 artifact to directly, when the blob store has such URLs. */
    public Optional<java.net.URI> directUploadUrl(ArtifactRecord a, Duration validFor) {
        return a.blobKey() == null ? Optional.empty() : blobs.presignedPut(a.blobKey(), validFor);
    }

    /** A URL a reader GETs the bytes of a finished s3 artifact from directly, when the blob store has such URLs. */
    public Optional<java.net.URI> directDownloadUrl(ArtifactRecord a, Duration validFor) {
        if (a.blobKey() == null || !a.present()) return Optional.empty();
        return blobs.presignedGet(a.blobKey(), a.contentType(), validFor);
    }

    /** The write generation of an artifact: read it before reading bytes, then {@link #awaitWrite} from it. */
    public long writeGeneration(ArtifactRecord a) { return writes.generation(writeKey(a)); }

    /** Waits until the artifact is written to (in this process) after {@code seen}, or the timeout passes. */
    public boolean awaitWrite(ArtifactRecord a, long seen, Duration timeout) throws InterruptedException {
        return writes.await(writeKey(a), seen, timeout);
    }

    /** A follower saw the artifact finished (or its run over): drop its signal, waking any other followers. */
    public void followingEnded(ArtifactRecord a) { writes.signalAndForget(writeKey(a)); }

    private static String writeKey(ArtifactRecord a) { return a.taskId() + "/" + a.runId() + "/" + a.name(); }

    public ArtifactRecord find(String taskId, int runId, String name) {
        return tasks.findArtifact(taskId, runId, name).orElseThrow(() ->
                BerthException.notFound("artifact " + name + " not found for run " + runId + " of task " + taskId));
    }

    /** The scope a reader needs for the artifact {@code name}; null for {@code public/} artifacts, which anyone may read. */
    public static String readScope(String name) {
        return name.startsWith("public/") ? null : "queue:get-artifact:" + name;
    }

    /**
     * Follows links (at most a few hops) and says how a reader gets the artifact. The reader must be allowed
     * to read every artifact on the way: {@code requireScope} is called with the {@link #readScope} of each
     * non-public one (and throws when the reader lacks it), so a public link never exposes a private target.
     */
    public Resolved resolve(String taskId, int runId, String name, java.util.function.Consumer<String> requireScope) {
        String scope = readScope(name);
        if (scope != null) requireScope.accept(scope);
        ArtifactRecord a = find(taskId, runId, name);
        for (int hops = 0; "link".equals(a.storageType()); hops++) {
            if (hops >= 5) throw BerthException.conflict("artifact " + name + " links through too many artifacts");
            String target = a.details().path("artifact").asText();
            String targetScope = readScope(target);
            if (targetScope != null) requireScope.accept(targetScope);
            a = find(taskId, runId, target);
        }
        return switch (a.storageType()) {
            case "reference" -> new Resolved(a, a.details().path("url").asText(), null);
            case "error" -> new Resolved(a, null, a.details().path("reason").asText() + ": " + a.details().path("message").asText());
            default -> new Resolved(a, null, null);
        };
    }

    /** The bytes of a finished artifact and how many there are (-1 when unknown). */
    public record Content(long size, InputStream stream) {}

    /**
     * Opens a finished (present) s3 artifact for a reader: exactly the recorded size, so the length a response
     * announces is always the length it sends. Callers send these bytes as stored (no on-the-fly compression):
     * what a client receives hashes to what the worker uploaded, the length is known before the first byte, and
     * most large artifacts (images, archives) are compressed already.
     */
    public Content openFinished(ArtifactRecord a) {
        Optional<InputStream> in = open(a, 0);
        if (in.isEmpty()) throw BerthException.notFound("artifact " + a.name() + " has no stored content");
        long size = a.details() != null && a.details().has("size") ? a.details().get("size").asLong() : -1;
        return new Content(size, size < 0 ? in.get() : new BoundedInputStream(in.get(), size));
    }

    /** Opens the bytes of an s3 artifact from byte {@code from}. */
    public Optional<InputStream> open(ArtifactRecord a, long from) {
        try {
            return a.blobKey() == null ? Optional.empty() : blobs.open(a.blobKey(), from);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int latestRunId(String taskId) {
        TaskRecord t = tasks.findTask(taskId).orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
        if (t.status().runs().isEmpty()) throw BerthException.notFound("task " + taskId + " has no runs yet");
        return t.status().runs().size() - 1;
    }

    public Page<ArtifactRecord> list(String taskId, int runId, String continuation, int limit) {
        TaskRecord task = tasks.findTask(taskId).orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
        runOf(task, runId);
        return tasks.artifacts(taskId, runId, continuation, limit);
    }

    /** Deletes expired artifacts (records and bytes); returns how many. */
    public int expire() {
        List<ArtifactRecord> expired = tasks.expiredArtifacts(clock.instant(), 500);
        for (ArtifactRecord a : expired) {
            deleteBytes(a);
            tasks.deleteArtifact(a.taskId(), a.runId(), a.name());
        }
        return expired.size();
    }

    /** Deletes the bytes of every artifact of a task (before the task record itself goes). */
    public void deleteAllBytes(String taskId) {
        tasks.findTask(taskId).ifPresent(t -> {
            for (int runId = 0; runId < t.status().runs().size(); runId++) {
                String continuation = null;
                do {
                    Page<ArtifactRecord> page = tasks.artifacts(taskId, runId, continuation, 1000);
                    page.items().forEach(this::deleteBytes);
                    continuation = page.continuationToken();
                } while (continuation != null);
            }
        });
    }

    private void deleteBytes(ArtifactRecord a) {
        if (a.blobKey() == null) return;
        try {
            blobs.delete(a.blobKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Artifacts of a run change while it runs, and for a short while after (a worker's last uploads). */
    private TaskRecord requireOpenForWrites(String taskId, int runId, String verb) {
        TaskRecord task = tasks.findTask(taskId).orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
        Run run = runOf(task, runId);
        boolean open = run.state() == TaskState.RUNNING
                || (run.state().isResolved() && run.resolved() != null && run.resolved().plus(LATE_UPLOAD).isAfter(clock.instant()));
        if (!open) {
            throw BerthException.conflict("run " + runId + " of task " + taskId + " is " + run.state().wire()
                    + "; its artifacts can only be " + verb + " while it is running");
        }
        return task;
    }

    private static Run runOf(TaskRecord task, int runId) {
        if (runId < 0 || runId >= task.status().runs().size()) {
            throw BerthException.notFound("task " + task.taskId() + " has no run " + runId);
        }
        return task.status().runs().get(runId);
    }

    /** A content type goes into a header and a 255-character column: printable, at most 255 characters. */
    private static String contentType(JsonNode request, boolean required) {
        String type = text(request, "contentType", required);
        if (type.isEmpty() || type.length() > 255 || type.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw BerthException.input("contentType must be 1 to 255 printable ASCII characters (e.g. text/plain); got '"
                    + (type.length() > 80 ? type.substring(0, 80) + "..." : type).replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return type;
    }

    private static String text(JsonNode request, String field, boolean required) {
        JsonNode n = request == null ? null : request.get(field);
        if (n == null || n.isNull()) {
            if (required) throw BerthException.input(field + " is required");
            return null;
        }
        if (!n.isTextual()) throw BerthException.input(field + " must be a string");
        return n.asText();
    }
}
