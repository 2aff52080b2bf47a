package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Artifacts served whole to every kind of client, immutable once finished, names any store can hold. */
class ArtifactSafetyApiTest extends ServerTestSupport {

    /** About 4.5 MB of text that compresses (hex digits) but does not repeat (seeded random), so gzip changes its size. */
    static byte[] bigArtifact() {
        Random random = new Random(42);
        StringBuilder sb = new StringBuilder(4_600_000);
        byte[] chunk = new byte[24];
        for (int line = 0; sb.length() < 4_500_000; line++) {
            random.nextBytes(chunk);
            sb.append("line ").append(line).append(": ").append(HexFormat.of().formatHex(chunk)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String runningTask() {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        return id;
    }

    private static ObjectNode s3Request(String contentType) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("storageType", "s3");
        b.put("contentType", contentType);
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        return b;
    }

    private String createS3(String id, String name, String contentType) {
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + name, s3Request(contentType));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("putUrl").asText();
    }

    private void put(String putUrl, byte[] body) {
        SignedHttp.Response r = anon.send("PUT", putUrl, body, "text/plain", Map.of());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** Raw bytes as they come off the wire (Java's HttpClient never decompresses), decoded per Content-Encoding. */
    private static byte[] download(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        headers.forEach(b::header);
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        byte[] wire = r.body();
        r.headers().firstValue("Content-Length").ifPresent(len ->
                assertThat(Long.parseLong(len)).as("Content-Length against the bytes on the wire").isEqualTo(wire.length));
        String encoding = r.headers().firstValue("Content-Encoding").orElse("identity");
        return switch (encoding) {
            case "identity" -> wire;
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(wire)).readAllBytes();
            default -> throw new AssertionError("unexpected Content-Encoding " + encoding);
        };
    }

    @Test
    void aBigArtifactArrivesWholeWhetherOrNotTheClientAcceptsGzip() throws Exception {
        byte[] content = bigArtifact();
        String id = runningTask();
        put(createS3(id, "public/big.txt", "text/plain"), content);
        String url = server.rootUrl() + Q + "/task/" + id + "/runs/0/artifacts/public/big.txt";
        Map<String, Map<String, String>> clients = Map.of(
                "plain", Map.of(),
                "gzip", Map.of("Accept-Encoding", "gzip"),
                "browser", Map.of("Accept-Encoding", "gzip, deflate, br, zstd",
                        "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                        "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"));
        for (var client : clients.entrySet()) {
            byte[] got = download(url, client.getValue());
            assertThat(got.length).as(client.getKey()).isEqualTo(content.length);
            assertThat(sha256(got)).as(client.getKey()).isEqualTo(sha256(content));
        }
    }

    private static String encode(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/", -1)) {
            if (!sb.isEmpty() || name.startsWith("/")) sb.append('/');
            sb.append(java.net.URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString().replaceFirst("^/", name.startsWith("/") ? "/" : "");
    }

    private SignedHttp.Response get(SignedHttp who, String id, int run, String name) {
        return who.get(Q + "/task/" + id + "/runs/" + run + "/artifacts/" + encode(name));
    }

    @Test
    void theUploadUrlOfAFinishedArtifactAnswers409AndTheArtifactStaysReadable() {
        String id = runningTask();
        String putUrl = createS3(id, "public/out.txt", "text/plain");
        put(putUrl, "final".getBytes(StandardCharsets.UTF_8));
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/public/out.txt", null).status()).isEqualTo(200);

        SignedHttp.Response replace = anon.send("PUT", putUrl, "tampered".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(replace.status()).as(replace.toString()).isEqualTo(409);
        assertThat(replace.json().get("message").asText()).contains("public/out.txt", "finished", "cannot be replaced");
        SignedHttp.Response append = anon.send("POST", putUrl, "more".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(append.status()).as(append.toString()).isEqualTo(409);
        assertThat(append.json().get("message").asText()).contains("public/out.txt", "finished", "cannot be appended to");
        // a retried upload of the very same bytes is not an error
        put(putUrl, "final".getBytes(StandardCharsets.UTF_8));

        SignedHttp.Response got = get(anon, id, 0, "public/out.txt");
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.text()).isEqualTo("final");
    }

    @Test
    void afterTheRunResolvedItsFinishedArtifactsCannotBeReplacedOrAppendedTo() {
        String id = runningTask();
        String putUrl = createS3(id, "public/out.txt", "text/plain");
        put(putUrl, "final".getBytes(StandardCharsets.UTF_8));
        String logUrl = createS3(id, "public/logs/live.log", "text/plain");
        assertThat(anon.send("POST", logUrl, "log line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of()).status()).isEqualTo(200);
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log", null).status()).isEqualTo(200);
        assertThat(root.post(Q + "/task/" + id + "/runs/0/completed", null).status()).isEqualTo(200);

        for (String url : new String[] {putUrl, logUrl}) {
            for (String method : new String[] {"PUT", "POST"}) {
                SignedHttp.Response r = anon.send(method, url, "tampered".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
                assertThat(r.status()).as(method + " " + url + ": " + r).isEqualTo(409);
                assertThat(r.json().get("message").asText()).contains("finished");
            }
        }
        assertThat(get(anon, id, 0, "public/out.txt").text()).isEqualTo("final");
        SignedHttp.Response log = get(anon, id, 0, "public/logs/live.log");
        assertThat(log.status()).as(log.toString()).isEqualTo(200);
        assertThat(log.text()).isEqualTo("log line\n");
    }

    @Test
    void aPublicLinkToAPrivateArtifactNeedsTheTargetsScope() {
        String id = runningTask();
        put(createS3(id, "private/secret.txt", "text/plain"), "secret".getBytes(StandardCharsets.UTF_8));
        ObjectNode link = Json.MAPPER.createObjectNode();
        link.put("storageType", "link");
        link.put("artifact", "private/secret.txt");
        link.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        assertThat(root.post(Q + "/task/" + id + "/runs/0/artifacts/public/link", link).status()).isEqualTo(200);
        link.put("artifact", "public/plain.txt");
        assertThat(root.post(Q + "/task/" + id + "/runs/0/artifacts/public/plain-link", link).status()).isEqualTo(200);
        put(createS3(id, "public/plain.txt", "text/plain"), "plain".getBytes(StandardCharsets.UTF_8));

        for (String path : new String[] {"/runs/0/artifacts/public/link", "/artifacts/public/link"}) {
            SignedHttp.Response denied = anon.get(Q + "/task/" + id + path);
            assertThat(denied.status()).as(denied.toString()).isEqualTo(403);
            assertThat(denied.json().get("message").asText()).contains("queue:get-artifact:private/secret.txt");
            assertThat(denied.text()).doesNotContain("secret\"").isNotEqualTo("secret");
        }
        SignedHttp.Response allowed = root.get(Q + "/task/" + id + "/runs/0/artifacts/public/link");
        assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
        assertThat(allowed.text()).isEqualTo("secret");
        // a public link to a public artifact needs nothing
        assertThat(anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/plain-link").text()).isEqualTo("plain");
    }

    @Test
    void namesTheBlobStoreOnceRefusedAreStoredAndReadBack() {
        String id = runningTask();
        for (String name : new String[] {"public//x", "public/.tmp/x", "public/" + "s".repeat(300) + "/x", "public/a",
                "public/a/b", "public/a..b", "public/sp ace/ünï ✓"}) {
            SignedHttp.Response created = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + encode(name), s3Request("text/plain"));
            assertThat(created.status()).as(name + ": " + created).isEqualTo(200);
            put(created.json().get("putUrl").asText(), name.getBytes(StandardCharsets.UTF_8));
            SignedHttp.Response got = get(anon, id, 0, name);
            assertThat(got.status()).as(name + ": " + got).isEqualTo(200);
            assertThat(got.text()).as(name).isEqualTo(name);
        }
        SignedHttp.Response list = anon.get(Q + "/task/" + id + "/runs/0/artifacts");
        assertThat(list.text()).contains("public//x", "public/.tmp/x", "public/a/b");
    }

    @Test
    void namesNoUrlCanCarryOrWithControlCharactersAre400NamingTheProblem() {
        String id = runningTask();
        Map<String, String> refused = Map.of(
                "public/%2E%2E/x", "'..' segment",
                "public/%2E/x", "'.' segment",
                "public/x%2F", "must not end with '/'",
                "public/a%0Ab", "U+000A",
                "public/a%1Bb", "U+001B",
                "public/a%7Fb", "U+007F");
        for (var e : refused.entrySet()) {
            SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/" + e.getKey(), s3Request("text/plain"));
            assertThat(r.status()).as(e.getKey() + ": " + r).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as(e.getKey()).contains(e.getValue());
        }
        // NUL is refused by Jetty before any route sees it (the domain refuses it too, see ArtifactServiceTest)
        SignedHttp.Response nul = root.post(Q + "/task/" + id + "/runs/0/artifacts/public/a%00b", s3Request("text/plain"));
        assertThat(nul.status()).as(nul.toString()).isEqualTo(400);
        assertThat(nul.json().get("message").asText()).as(nul.toString()).contains("%00 (NUL)");
        // Jetty drops that connection; the client must be told, or its next request would go down a dead one
        assertThat(nul.header("Connection")).isEqualToIgnoringCase("close");
        SignedHttp.Response badType = root.post(Q + "/task/" + id + "/runs/0/artifacts/public/t", s3Request("x".repeat(300)));
        assertThat(badType.status()).as(badType.toString()).isEqualTo(400);
        assertThat(badType.json().get("message").asText()).contains("contentType");
    }

    /** Reads {@code n} bytes, failing (not hanging) when they do not come: a buffering compressor would hold them. */
    private static String read(InputStream in, int n) throws Exception {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readNBytes(n), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void aLiveLogAskedForWithGzipIsStillSentAsEachChunkArrives() throws Exception {
        String id = runningTask();
        String putUrl = createS3(id, "public/logs/live.log", "text/plain");
        assertThat(anon.send("POST", putUrl, "first line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of()).status()).isEqualTo(200);
        HttpRequest request = HttpRequest.newBuilder(java.net.URI.create(server.rootUrl() + Q + "/task/" + id
                        + "/runs/0/artifacts/public/logs/live.log"))
                .header("Accept-Encoding", "gzip, deflate, br").timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<InputStream> live = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.headers().firstValue("Content-Encoding")).isEmpty();
        InputStream in = live.body();
        // the first chunk arrives while the run is still running and nothing more has been written
        assertThat(read(in, 11)).isEqualTo("first line\n");
        anon.send("POST", putUrl, "second line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(read(in, 12)).isEqualTo("second line\n");
        assertThat(root.post(Q + "/task/" + id + "/runs/0/completed", null).status()).isEqualTo(200);
        assertThat(in.readAllBytes()).isEmpty();
    }
}
