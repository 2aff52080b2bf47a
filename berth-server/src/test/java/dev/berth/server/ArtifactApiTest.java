package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ArtifactApiTest extends ServerTestSupport {

    /** A claimed task; returns its id. */
    private String runningTask() {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        return id;
    }

    private static ObjectNode artifactRequest(String storageType) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("storageType", storageType);
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        return b;
    }

    private String createS3(String id, String name, String contentType) {
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + name,
                artifactRequest("s3").put("contentType", contentType));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("storageType").asText()).isEqualTo("s3");
        return r.json().get("putUrl").asText();
    }

    private void upload(String putUrl, String text, String contentType) {
        SignedHttp.Response put = anon.send("PUT", putUrl, text.getBytes(StandardCharsets.UTF_8), contentType, Map.of());
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
    }

    @Test
    void anS3ArtifactIsUploadedToItsPutUrlAndStreamedBackWithItsContentType() {
        String id = runningTask();
        String putUrl = createS3(id, "public/build/out.txt", "text/plain");
        assertThat(putUrl).contains("token=");
        upload(putUrl, "hello artifact", "text/plain");
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/public/build/out.txt", null).status()).isEqualTo(200);

        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/build/out.txt");
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.text()).isEqualTo("hello artifact");
        assertThat(got.header("Content-Type")).startsWith("text/plain");

        SignedHttp.Response latest = anon.get(Q + "/task/" + id + "/artifacts/public/build/out.txt");
        assertThat(latest.status()).isEqualTo(200);
        assertThat(latest.text()).isEqualTo("hello artifact");
    }

    @Test
    void listArtifactsAndListLatestArtifactsNameEveryArtifact() {
        String id = runningTask();
        upload(createS3(id, "public/a.txt", "text/plain"), "a", "text/plain");
        upload(createS3(id, "public/b.json", "application/json"), "{}", "application/json");
        for (String path : new String[] {"/runs/0/artifacts", "/artifacts"}) {
            SignedHttp.Response r = anon.get(Q + "/task/" + id + path);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            Set<String> names = new HashSet<>();
            r.json().get("artifacts").forEach(a -> names.add(a.get("name").asText()));
            assertThat(names).containsExactlyInAnyOrder("public/a.txt", "public/b.json");
        }
        SignedHttp.Response page = anon.get(Q + "/task/" + id + "/runs/0/artifacts?limit=1");
        assertThat(page.json().get("artifacts")).hasSize(1);
        assertThat(page.json().get("continuationToken").asText()).isNotBlank();
    }

    @Test
    void aReferenceArtifactRedirects() {
        String id = runningTask();
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/public/ref",
                artifactRequest("reference").put("url", "https://example.com/thing"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/ref");
        assertThat(got.status()).isEqualTo(303);
        assertThat(got.header("Location")).isEqualTo("https://example.com/thing");
    }

    @Test
    void anErrorArtifactAnswers424WithReasonAndMessage() {
        String id = runningTask();
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/public/missing.txt",
                artifactRequest("error").put("reason", "file-missing-on-worker").put("message", "no such file"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/missing.txt");
        assertThat(got.status()).isEqualTo(424);
        assertThat(got.json().get("reason").asText()).isEqualTo("file-missing-on-worker");
        assertThat(got.json().get("message").asText()).contains("no such file");
    }

    @Test
    void anUnknownArtifactIs404() {
        String id = runningTask();
        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/nope");
        assertThat(got.status()).isEqualTo(404);
        assertThat(got.json().get("message").asText()).contains("public/nope");
    }

    @Test
    void publicArtifactsAreReadableUnsignedAndPrivateOnesNeedScopes() {
        String id = runningTask();
        upload(createS3(id, "private/secret.txt", "text/plain"), "secret", "text/plain");
        SignedHttp.Response unsigned = anon.get(Q + "/task/" + id + "/runs/0/artifacts/private/secret.txt");
        assertThat(unsigned.status()).isEqualTo(403);
        assertThat(unsigned.json().get("message").asText()).contains("queue:get-artifact:private/secret.txt");
        SignedHttp.Response signed = root.get(Q + "/task/" + id + "/runs/0/artifacts/private/secret.txt");
        assertThat(signed.status()).isEqualTo(200);
        assertThat(signed.text()).isEqualTo("secret");
    }

    @Test
    void createArtifactOnAPendingOrLongResolvedRunIsAConflict() {
        String pending = createTask(newQueue());
        SignedHttp.Response r = root.post(Q + "/task/" + pending + "/runs/0/artifacts/public/x",
                artifactRequest("s3").put("contentType", "text/plain"));
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.json().get("message").asText()).contains("pending");
    }

    @Test
    void aLiveLogIsFollowedUntilTheRunResolves() throws Exception {
        String id = runningTask();
        String putUrl = createS3(id, "public/logs/live.log", "text/plain");
        SignedHttp.Response first = anon.send("POST", putUrl, "first line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(first.status()).as(first.toString()).isEqualTo(200);

        HttpResponse<InputStream> live = anon.stream("GET", Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log");
        assertThat(live.statusCode()).isEqualTo(200);
        InputStream in = live.body();
        byte[] buf = new byte[11];
        int n = 0;
        while (n < buf.length) {
            int k = in.read(buf, n, buf.length - n);
            assertThat(k).as("stream ended before the first chunk arrived").isPositive();
            n += k;
        }
        assertThat(new String(buf, StandardCharsets.UTF_8)).isEqualTo("first line\n");

        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        anon.send("POST", putUrl, "second line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        Thread.sleep(300);
        assertThat(rest).isNotDone();
        anon.send("POST", putUrl, "third line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(root.post(Q + "/task/" + id + "/runs/0/completed", null).status()).isEqualTo(200);
        assertThat(rest.get(20, TimeUnit.SECONDS)).isEqualTo("second line\nthird line\n");
    }
}
