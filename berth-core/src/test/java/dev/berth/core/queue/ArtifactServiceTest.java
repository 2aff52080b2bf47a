package dev.berth.core.queue;

import static dev.berth.core.TestTasks.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import dev.berth.core.json.Json;
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
        assertThat(blobs.blobs.get("artifacts/" + taskId + "/0/public/out.txt").toString(StandardCharsets.UTF_8)).isEqualTo("final");
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
