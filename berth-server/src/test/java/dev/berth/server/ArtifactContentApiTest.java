package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The artifact-content routes (artifact, latestArtifact): how a client fetches an artifact, per storage type. */
class ArtifactContentApiTest extends ServerTestSupport {

    private String runningTask() {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        return id;
    }

    private static ObjectNode request(String storageType) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("storageType", storageType);
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        return b;
    }

    private void create(String id, String name, ObjectNode body) {
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + name, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private void s3(String id, String name, String text) {
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + name, request("s3").put("contentType", "text/plain"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        SignedHttp.Response put = anon.send("PUT", r.json().get("putUrl").asText(), text.getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/" + name, null).status()).isEqualTo(200);
    }

    private JsonNode content(SignedHttp who, String path) {
        SignedHttp.Response r = who.get(Q + path);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    @Test
    void anS3ArtifactAnswersAUrlThatServesItsBytesWithoutCredentials() {
        String id = runningTask();
        s3(id, "private/out.txt", "secret bytes");
        for (String path : new String[] {"/task/" + id + "/runs/0/artifact-content/private/out.txt", "/task/" + id + "/artifact-content/private/out.txt"}) {
            JsonNode c = content(root, path);
            assertThat(c.get("storageType").asText()).isEqualTo("s3");
            SignedHttp.Response got = anon.send("GET", c.get("url").asText(), null, null, Map.of());
            assertThat(got.status()).as(got.toString()).isEqualTo(200);
            assertThat(got.text()).isEqualTo("secret bytes");
        }
    }

    @Test
    void aDownloadTokenOpensOnlyItsOwnArtifactAndNeverUploads() {
        String id = runningTask();
        s3(id, "private/a.txt", "a");
        s3(id, "private/b.txt", "b");
        String url = content(root, "/task/" + id + "/runs/0/artifact-content/private/a.txt").get("url").asText();
        String token = url.substring(url.indexOf("?token="));
        SignedHttp.Response other = anon.send("GET", server.rootUrl() + Q + "/task/" + id + "/runs/0/artifacts/private/b.txt" + token, null, null, Map.of());
        assertThat(other.status()).as(other.toString()).isEqualTo(403);
        SignedHttp.Response forged = anon.send("GET", url.replaceAll("token=[^&]*", "token=99999999999999.AAAA"), null, null, Map.of());
        assertThat(forged.status()).as(forged.toString()).isEqualTo(403);
        // an artifact not yet uploaded: a download token must not let anyone write its bytes
        assertThat(root.post(Q + "/task/" + id + "/runs/0/artifacts/private/pending.txt", request("s3").put("contentType", "text/plain")).status())
                .isEqualTo(200);
        String pending = content(root, "/task/" + id + "/runs/0/artifact-content/private/pending.txt").get("url").asText();
        SignedHttp.Response upload = anon.send("PUT", pending.replace("/artifacts/", "/artifact-content/"), "x".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(upload.status()).as(upload.toString()).isEqualTo(403);
    }

    @Test
    void aReferenceArtifactAnswersItsUrl() {
        String id = runningTask();
        create(id, "public/ref", request("reference").put("url", "https://example.com/thing"));
        JsonNode c = content(anon, "/task/" + id + "/runs/0/artifact-content/public/ref");
        assertThat(c.get("storageType").asText()).isEqualTo("reference");
        assertThat(c.get("url").asText()).isEqualTo("https://example.com/thing");
    }

    @Test
    void anErrorArtifactAnswersItsReasonAndMessage() {
        String id = runningTask();
        create(id, "public/err", request("error").put("reason", "file-missing-on-worker").put("message", "no such file"));
        JsonNode c = content(anon, "/task/" + id + "/artifact-content/public/err");
        assertThat(c.get("storageType").asText()).isEqualTo("error");
        assertThat(c.get("reason").asText()).isEqualTo("file-missing-on-worker");
        assertThat(c.get("message").asText()).isEqualTo("no such file");
    }

    @Test
    void aLinkAnswersForItsTargetAndNeedsTheTargetsScope() {
        String id = runningTask();
        s3(id, "public/plain.txt", "plain");
        s3(id, "private/secret.txt", "secret");
        create(id, "public/link", request("link").put("artifact", "private/secret.txt"));
        create(id, "public/plain-link", request("link").put("artifact", "public/plain.txt"));

        for (String path : new String[] {"/runs/0/artifact-content/public/link", "/artifact-content/public/link"}) {
            SignedHttp.Response denied = anon.get(Q + "/task/" + id + path);
            assertThat(denied.status()).as(denied.toString()).isEqualTo(403);
            assertThat(denied.json().get("message").asText()).contains("queue:get-artifact:private/secret.txt");
        }
        JsonNode c = content(root, "/task/" + id + "/runs/0/artifact-content/public/link");
        assertThat(c.get("storageType").asText()).isEqualTo("s3");
        assertThat(anon.send("GET", c.get("url").asText(), null, null, Map.of()).text()).isEqualTo("secret");

        JsonNode plain = content(anon, "/task/" + id + "/artifact-content/public/plain-link");
        assertThat(anon.send("GET", plain.get("url").asText(), null, null, Map.of()).text()).isEqualTo("plain");
    }

    @Test
    void aPrivateArtifactsContentNeedsItsScope() {
        String id = runningTask();
        s3(id, "private/x.txt", "x");
        SignedHttp.Response denied = anon.get(Q + "/task/" + id + "/runs/0/artifact-content/private/x.txt");
        assertThat(denied.status()).as(denied.toString()).isEqualTo(403);
        assertThat(denied.json().get("message").asText()).contains("queue:get-artifact:private/x.txt");
        SignedHttp.Response missing = root.get(Q + "/task/" + id + "/runs/0/artifact-content/public/none");
        assertThat(missing.status()).as(missing.toString()).isEqualTo(404);
    }
}
