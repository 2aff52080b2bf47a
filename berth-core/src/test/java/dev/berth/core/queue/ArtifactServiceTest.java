package dev.berth.core.queue;

import static dev.berth.core.TestTasks.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import dev.berth.core.json.Json;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ArtifactServiceTest {

    /** Bytes in memory; enough to see what the service stores. */
    static final class MemoryBlobs implements BlobStore {
        final Map<String, ByteArrayOutputStream> blobs = new ConcurrentHashMap<>();

        @Override
        public BlobInfo put(String key, InputStream content) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            content.transferTo(out);
            blobs.put(key, out);
            try {
                return new BlobInfo(out.size(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray())));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public long append(String key, byte[] bytes, int offset, int length) {
            ByteArrayOutputStream out = blobs.computeIfAbsent(key, k -> new ByteArrayOutputStream());
            out.write(bytes, offset, length);
            return out.size();
        }

        @Override
        public Optional<InputStream> open(String key, long from) {
            ByteArrayOutputStream out = blobs.get(key);
            if (out == null) return Optional.empty();
            byte[] all = out.toByteArray();
            return Optional.of(new ByteArrayInputStream(all, (int) Math.min(from, all.length), all.length));
        }

        @Override
        public long size(String key) {
            ByteArrayOutputStream out = blobs.get(key);
            return out == null ? -1 : out.size();
        }

        @Override
        public void delete(String key) { blobs.remove(key); }
    }

    private final MutableClock clock = new MutableClock(NOW);
    private final InMemoryTaskStore store = new InMemoryTaskStore();
    private final QueueService queue = new QueueService(store, clock, Duration.ofMinutes(20));
    private final MemoryBlobs blobs = new MemoryBlobs();
    private final ArtifactService artifacts = new ArtifactService(store, blobs, clock);

    private String runningTask() throws InterruptedException {
        String taskId = TestTasks.newTaskId();
        queue.createTask(taskId, TestTasks.definition(taskId, TestTasks.body(NOW)));
        assertThat(queue.claimWork("berth/test", "g", "w", 1, Duration.ZERO)).hasSize(1);
        return taskId;
    }

    private static ObjectNode s3(String contentType) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("storageType", "s3");
        r.put("contentType", contentType);
        return r;
    }

    private static ByteArrayInputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void uploadWhileRunningStoresTheBytesAndMarksTheArtifactPresent() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        var stored = artifacts.upload(taskId, 0, "public/out.txt", bytes("hello"));
        assertThat(stored.present()).isTrue();
        assertThat(stored.details().path("size").asLong()).isEqualTo(5);
    }

    @Test
    void uploadShortlyAfterTheRunResolvedIsStillAccepted() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        queue.reportCompleted(taskId, 0);
        clock.advance(Duration.ofMinutes(5));
        assertThat(artifacts.upload(taskId, 0, "public/out.txt", bytes("late")).present()).isTrue();
    }

    @Test
    void anUploadUrlCannotRewriteTheArtifactsOfARunLongResolved() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        artifacts.upload(taskId, 0, "public/out.txt", bytes("final"));
        queue.reportCompleted(taskId, 0);
        clock.advance(Duration.ofMinutes(30));

        assertThatThrownBy(() -> artifacts.upload(taskId, 0, "public/out.txt", bytes("tampered")))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT))
                .hasMessageContaining("completed");
        assertThatThrownBy(() -> artifacts.append(taskId, 0, "public/out.txt", "more".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BerthException.class);
        String key = artifacts.find(taskId, 0, "public/out.txt").blobKey();
        assertThat(blobs.blobs.get(key).toString(StandardCharsets.UTF_8)).isEqualTo("final");
    }

    @Test
    void aFinishedArtifactIsImmutableButTheSameBytesAgainAreAHarmlessRetry() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        artifacts.upload(taskId, 0, "public/out.txt", bytes("final"));

        assertThat(artifacts.upload(taskId, 0, "public/out.txt", bytes("final")).details().path("size").asLong()).isEqualTo(5);
        assertThatThrownBy(() -> artifacts.upload(taskId, 0, "public/out.txt", bytes("other")))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT))
                .hasMessageContaining("public/out.txt").hasMessageContaining("finished").hasMessageContaining("replaced");
        assertThatThrownBy(() -> artifacts.append(taskId, 0, "public/out.txt", "more".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT))
                .hasMessageContaining("appended to");
        var content = artifacts.openFinished(artifacts.find(taskId, 0, "public/out.txt"));
        try (InputStream in = content.stream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("final");
        }
    }

    @Test
    void creatingAFinishedArtifactAgainDoesNotReopenIt() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        artifacts.upload(taskId, 0, "public/out.txt", bytes("final"));
        var again = artifacts.create(taskId, 0, "public/out.txt", s3("text/plain"));
        assertThat(again.present()).isTrue();
        assertThatThrownBy(() -> artifacts.upload(taskId, 0, "public/out.txt", bytes("other")))
                .isInstanceOf(BerthException.class).hasMessageContaining("finished");
        assertThatThrownBy(() -> artifacts.append(taskId, 0, "public/out.txt", "x".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BerthException.class).hasMessageContaining("finished");
    }

    @Test
    void aFinishedLiveLogTakesNoMoreAppendsAndIsServedAtItsFinishedSize() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        artifacts.append(taskId, 0, "public/logs/live.log", "line\n".getBytes(StandardCharsets.UTF_8));
        var done = artifacts.finish(taskId, 0, "public/logs/live.log");
        assertThatThrownBy(() -> artifacts.append(taskId, 0, "public/logs/live.log", "late\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BerthException.class).hasMessageContaining("finished");
        // bytes that reached the blob behind the service's back (a racing append) are never served
        blobs.append(done.blobKey(), "stray".getBytes(StandardCharsets.UTF_8), 0, 5);
        var content = artifacts.openFinished(done);
        assertThat(content.size()).isEqualTo(5);
        try (InputStream in = content.stream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line\n");
        }
    }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private String liveLog(String taskId) {
        return blobs.blobs.get(artifacts.find(taskId, 0, "public/logs/live.log").blobKey()).toString(StandardCharsets.UTF_8);
    }

    @Test
    void anAppendAtTheStoredSizeIsAppended() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));

        assertThat(artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\n")))
                .isEqualTo(new BlobStore.Appended(4, 4));
        assertThat(artifacts.appendAt(taskId, 0, "public/logs/live.log", 4, utf8("two\n")))
                .isEqualTo(new BlobStore.Appended(8, 4));
        assertThat(liveLog(taskId)).isEqualTo("one\ntwo\n");
    }

    @Test
    void aBatchSentAgainAfterItsAnswerWasLostIsNotStoredTwice() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\n"));
        artifacts.appendAt(taskId, 0, "public/logs/live.log", 4, utf8("two\n"));
        ArtifactRecord log = artifacts.find(taskId, 0, "public/logs/live.log");
        long seen = artifacts.writeGeneration(log);

        // the same batch again, and an older one: both stored already
        assertThat(artifacts.appendAt(taskId, 0, "public/logs/live.log", 4, utf8("two\n")))
                .isEqualTo(new BlobStore.Appended(8, 0));
        assertThat(artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\n")))
                .isEqualTo(new BlobStore.Appended(8, 0));
        assertThat(liveLog(taskId)).isEqualTo("one\ntwo\n");
        // nothing new, so followers are not woken for it
        assertThat(artifacts.writeGeneration(log)).isEqualTo(seen);
    }

    @Test
    void aBatchOverlappingTheStoredEndAppendsOnlyItsMissingTail() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\ntw"));

        assertThat(artifacts.appendAt(taskId, 0, "public/logs/live.log", 4, utf8("two\nthree\n")))
                .isEqualTo(new BlobStore.Appended(14, 8));
        assertThat(liveLog(taskId)).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void aBatchBeyondTheStoredSizeIsAConflictNamingBothNumbersAndWritesNothing() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\n"));

        assertThatThrownBy(() -> artifacts.appendAt(taskId, 0, "public/logs/live.log", 10, utf8("three\n")))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.CONFLICT))
                .hasMessageContaining("holds 4 bytes").hasMessageContaining("offset 10")
                .hasMessageContaining("6 bytes missing");
        assertThat(liveLog(taskId)).isEqualTo("one\n");
    }

    @Test
    void anAppendAtANegativeOffsetIsBadInput() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));

        assertThatThrownBy(() -> artifacts.appendAt(taskId, 0, "public/logs/live.log", -1, utf8("x")))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.INPUT_ERROR))
                .hasMessageContaining("offset");
    }

    @Test
    void aFinishedLiveLogTakesNoAppendAtAnyOffset() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        artifacts.appendAt(taskId, 0, "public/logs/live.log", 0, utf8("one\n"));
        artifacts.finish(taskId, 0, "public/logs/live.log");

        assertThatThrownBy(() -> artifacts.appendAt(taskId, 0, "public/logs/live.log", 4, utf8("late\n")))
                .isInstanceOf(BerthException.class).hasMessageContaining("finished");
    }

    @Test
    void aLinkNeedsTheScopeOfItsTargetAsWellAsItsOwn() throws Exception {
        String taskId = runningTask();
        artifacts.create(taskId, 0, "private/secret.txt", s3("text/plain"));
        artifacts.upload(taskId, 0, "private/secret.txt", bytes("secret"));
        ObjectNode link = Json.MAPPER.createObjectNode();
        link.put("storageType", "link");
        link.put("artifact", "private/secret.txt");
        artifacts.create(taskId, 0, "public/link", link);

        java.util.List<String> asked = new java.util.ArrayList<>();
        assertThatThrownBy(() -> artifacts.resolve(taskId, 0, "public/link", scope -> {
            asked.add(scope);
            throw BerthException.forbidden("lacks " + scope);
        })).isInstanceOf(BerthException.class).hasMessageContaining("queue:get-artifact:private/secret.txt");
        assertThat(asked).containsExactly("queue:get-artifact:private/secret.txt");

        asked.clear();
        var resolved = artifacts.resolve(taskId, 0, "public/link", asked::add);
        assertThat(resolved.artifact().name()).isEqualTo("private/secret.txt");
        assertThat(asked).containsExactly("queue:get-artifact:private/secret.txt");
    }

    @Test
    void namesThatNoUrlCarriesOrThatHoldControlCharactersAreRefusedNamingTheProblem() throws Exception {
        String taskId = runningTask();
        Map<String, String> refused = Map.of(
                "public/../x", "'..' segment",
                "public/./x", "'.' segment",
                "public/x/", "must not end with '/'",
                "/public/x", "must not start with '/'",
                "public/a\u0000b", "U+0000",
                "public/a\nb", "U+000A",
                "public/a\u007fb", "U+007F",
                "", "must not be empty",
                "public/" + "x".repeat(1100), "at most 1024");
        for (var e : refused.entrySet()) {
            assertThatThrownBy(() -> artifacts.create(taskId, 0, e.getKey(), s3("text/plain")))
                    .as(e.getKey()).isInstanceOf(BerthException.class)
                    .satisfies(x -> assertThat(((BerthException) x).kind()).isEqualTo(BerthException.Kind.INPUT_ERROR))
                    .hasMessageContaining(e.getValue());
        }
    }

    @Test
    void freeFormNamesAreStoredUnderAHashSoAnyOfThemFitsTheStore() throws Exception {
        String taskId = runningTask();
        for (String name : new String[] {"public//x", "public/.tmp/x", "public/" + "s".repeat(300) + "/x", "public/a", "public/a/b",
                "public/a..b", "public/ünïcödé ✓"}) {
            var a = artifacts.create(taskId, 0, name, s3("text/plain"));
            assertThat(a.blobKey()).as(name).matches("artifacts/" + taskId + "/0/[0-9a-f]{64}");
            artifacts.upload(taskId, 0, name, bytes(name));
            try (InputStream in = artifacts.openFinished(artifacts.find(taskId, 0, name)).stream()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(name);
            }
        }
    }

    @Test
    void aFollowerWaitingForALiveArtifactIsWokenByAnAppendAndByFinish() throws Exception {
        String taskId = runningTask();
        var log = artifacts.create(taskId, 0, "public/logs/live.log", s3("text/plain"));
        long seen = artifacts.writeGeneration(log);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
                artifacts.append(taskId, 0, "public/logs/live.log", "line\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(artifacts.awaitWrite(log, seen, Duration.ofSeconds(30))).as("woken by the append").isTrue();
        writer.join();

        long afterAppend = artifacts.writeGeneration(log);
        assertThat(artifacts.awaitWrite(log, afterAppend, Duration.ofMillis(50))).as("nothing new yet").isFalse();
        Thread finisher = Thread.ofVirtual().start(() -> artifacts.finish(taskId, 0, "public/logs/live.log"));
        assertThat(artifacts.awaitWrite(log, afterAppend, Duration.ofSeconds(30))).as("woken by finish").isTrue();
        finisher.join();
    }

    @Test
    void artifactsOfAPendingRunCannotBeCreated() {
        String taskId = TestTasks.newTaskId();
        queue.createTask(taskId, TestTasks.definition(taskId, TestTasks.body(NOW)));
        assertThatThrownBy(() -> artifacts.create(taskId, 0, "public/x", s3("text/plain")))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("pending");
    }
}
