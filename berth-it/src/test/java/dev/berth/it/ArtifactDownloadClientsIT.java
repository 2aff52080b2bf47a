package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4.5 MB artifact downloaded by the clients people use — curl --compressed, Node's fetch, Java's HttpClient
 * asking for gzip, a browser's request headers — arrives whole: same length, same sha256 as uploaded.
 */
class ArtifactDownloadClientsIT {

    @TempDir
    Path tmp;

    /** Hex text from a seeded random source: compressible (so gzip would change the size) but never repeating. */
    private static byte[] content() {
        Random random = new Random(7);
        StringBuilder sb = new StringBuilder(4_600_000);
        byte[] chunk = new byte[24];
        for (int line = 0; sb.length() < 4_500_000; line++) {
            random.nextBytes(chunk);
            sb.append("line ").append(line).append(": ").append(HexFormat.of().formatHex(chunk)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    record Download(String client, long size, String sha256, String detail) {}

    @Test
    void everyClientGetsEveryByteOfABigArtifact() throws Exception {
        byte[] content = content();
        String expected = sha256(content);
        try (ItSupport.Running r = ItSupport.h2Server()) {
            String url = uploaded(r, content);
            List<Download> downloads = new ArrayList<>();
            downloads.add(curl(url));
            downloads.add(node(url));
            downloads.add(java(url, "java HttpClient, Accept-Encoding: gzip", Map.of("Accept-Encoding", "gzip")));
            Map<String, String> browser = new LinkedHashMap<>();
            browser.put("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
            browser.put("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8");
            browser.put("Accept-Encoding", "gzip, deflate, br, zstd");
            browser.put("Accept-Language", "en-US,en;q=0.9");
            downloads.add(java(url, "browser-like request", browser));
            for (Download d : downloads) {
                System.out.printf("%-40s %9d bytes  sha256 %s  %s%n", d.client(), d.size(), d.sha256(), d.detail());
                assertThat(d.size()).as(d.client() + " " + d.detail()).isEqualTo(content.length);
                assertThat(d.sha256()).as(d.client()).isEqualTo(expected);
            }
        }
    }

    /** A running task's public artifact holding {@code content}; returns its download URL. */
    private static String uploaded(ItSupport.Running r, byte[] content) {
        SignedHttp root = SignedHttp.signed(r.server().rootUrl(), r.server().rootClientId(), r.server().rootAccessToken());
        String queue = TaskFixtures.uniqueQueue();
        String taskId = TaskFixtures.slugId();
        assertThat(root.put("/api/queue/v1/task/" + taskId, ItSupport.taskBody(queue)).status()).isEqualTo(200);
        ObjectNode claim = Json.MAPPER.createObjectNode().put("workerGroup", "g").put("workerId", "w").put("tasks", 1);
        assertThat(root.post("/api/queue/v1/claim-work/" + queue, claim).json().get("tasks")).hasSize(1);
        ObjectNode req = Json.MAPPER.createObjectNode().put("storageType", "s3").put("contentType", "text/plain")
                .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS)));
        String artifact = "/api/queue/v1/task/" + taskId + "/runs/0/artifacts/public/big.txt";
        String putUrl = root.post(artifact, req).json().get("putUrl").asText();
        assertThat(root.send("PUT", putUrl, content, "text/plain", Map.of()).status()).isEqualTo(200);
        assertThat(root.put(artifact, null).status()).isEqualTo(200);
        return r.server().rootUrl() + artifact;
    }

    private Download curl(String url) throws Exception {
        Path out = tmp.resolve("curl.out");
        Path headers = tmp.resolve("curl.headers");
        String output = run(List.of("curl", "--compressed", "-sS", "--fail", "-D", headers.toString(), "-o", out.toString(), url));
        byte[] got = Files.readAllBytes(out);
        return new Download("curl --compressed", got.length, sha256(got),
                header(Files.readString(headers), "Content-Encoding") + " " + output.trim());
    }

    private Download node(String url) throws Exception {
        String script = """
                const crypto = require('crypto');
                (async () => {
                  const res = await fetch(process.argv[2], {headers: {'Accept-Encoding': 'gzip, deflate, br'}});
                  if (!res.ok) throw new Error('status ' + res.status);
                  const body = Buffer.from(await res.arrayBuffer());
                  console.log(JSON.stringify({size: body.length, sha256: crypto.createHash('sha256').update(body).digest('hex'),
                    encoding: res.headers.get('content-encoding'), length: res.headers.get('content-length')}));
                })().catch(e => { console.error(e); process.exit(1); });
                """;
        Path js = tmp.resolve("fetch.js");
        Files.writeString(js, script);
        String output = run(List.of("node", js.toString(), url));
        var json = Json.MAPPER.readTree(output.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() ->
                new AssertionError("node printed no result: " + output)));
        return new Download("node fetch", json.get("size").asLong(), json.get("sha256").asText(),
                "Content-Encoding " + json.get("encoding") + ", Content-Length " + json.get("length"));
    }

    /** Java's HttpClient never decompresses: the bytes are decoded here by what Content-Encoding says. */
    private static Download java(String url, String client, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        headers.forEach(b::header);
        HttpResponse<byte[]> res;
        try (HttpClient http = HttpClient.newHttpClient()) {
            res = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        assertThat(res.statusCode()).isEqualTo(200);
        byte[] wire = res.body();
        String encoding = res.headers().firstValue("Content-Encoding").orElse("identity");
        String length = res.headers().firstValue("Content-Length").orElse("none");
        if (!length.equals("none")) assertThat(Long.parseLong(length)).as(client + " Content-Length vs wire").isEqualTo(wire.length);
        byte[] body = switch (encoding) {
            case "identity" -> wire;
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(wire)).readAllBytes();
            default -> throw new AssertionError(client + ": Content-Encoding " + encoding + " was not asked for");
        };
        return new Download(client, body.length, sha256(body), "Content-Encoding " + encoding + ", Content-Length " + length);
    }

    private static String header(String headers, String name) {
        return headers.lines().filter(l -> l.toLowerCase().startsWith(name.toLowerCase() + ":")).findFirst()
                .orElse("(no " + name + ")").trim();
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed or not on PATH (scripts/test.sh installs it): " + e.getMessage(), e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(command + " finished").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + " failed:\n" + text).isZero();
        return text;
    }
}
