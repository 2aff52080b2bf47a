package dev.berth.worker.run;

import dev.berth.core.task.ReasonResolved;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records everything a runner reports; artifacts are kept in memory (tests only). */
public class RecordingReporter implements RunReporter {

    public record Chunk(long atNanos, byte[] bytes) {}

    public record Artifact(String name, String contentType, Instant expires, byte[] content) {
        public String text() { return new String(content, StandardCharsets.UTF_8); }
    }

    public record ErrorArtifact(String name, String reason, String message, Instant expires) {}

    public final List<Chunk> chunks = new CopyOnWriteArrayList<>();
    public final Map<String, Artifact> artifacts = new ConcurrentHashMap<>();
    public final Map<String, ErrorArtifact> errorArtifacts = new ConcurrentHashMap<>();
    public final List<String> resolutions = new CopyOnWriteArrayList<>();
    public volatile String finishedLogName;

    @Override
    public void appendLog(byte[] chunk) {
        chunks.add(new Chunk(System.nanoTime(), chunk));
    }

    @Override
    public void uploadArtifact(String name, String contentType, Instant expires, long size, InputStream content) throws IOException {
        byte[] bytes = content.readAllBytes();
        if (bytes.length != size) throw new IOException("size " + size + " announced, " + bytes.length + " read");
        artifacts.put(name, new Artifact(name, contentType, expires, bytes));
    }

    @Override
    public void createErrorArtifact(String name, String reason, String message, Instant expires) {
        errorArtifacts.put(name, new ErrorArtifact(name, reason, message, expires));
    }

    /** How many chunks were logged when {@link #holdLog} was called; -1 while it was not. */
    public volatile int heldAfterChunks = -1;

    @Override
    public void holdLog() {
        heldAfterChunks = chunks.size();
    }

    @Override
    public void finishLog(String name, Instant expires) {
        finishedLogName = name;
    }

    @Override
    public void reportCompleted() { resolutions.add("completed"); }

    @Override
    public void reportFailed() { resolutions.add("failed"); }

    @Override
    public void reportException(ReasonResolved reason) { resolutions.add("exception/" + reason.wire()); }

    public String log() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Chunk c : new ArrayList<>(chunks)) all.writeBytes(c.bytes());
        return all.toString(StandardCharsets.UTF_8);
    }

    /** Whether some logged chunk so far contains {@code text}. */
    public boolean logContains(String text) {
        return log().contains(text);
    }
}
