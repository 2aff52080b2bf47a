package dev.berth.store.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.store.BlobStore;
import dev.berth.testing.BlobStoreContract;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The blob contract on a real S3-compatible server (S3Proxy from scripts/s3.sh), plus its presigned URLs. */
class S3BlobStoreIT extends BlobStoreContract {

    private final HttpClient http = HttpClient.newHttpClient();
    private S3BlobStore.Settings bucket;
    private S3BlobStore s3;

    @Override
    protected BlobStore newStore() {
        bucket = S3TestBucket.fresh();
        s3 = S3BlobStore.open(bucket);
        return s3;
    }

    @AfterEach
    void dropBucket() {
        if (s3 != null) s3.close();
        if (bucket != null) S3TestBucket.drop(bucket);
    }

    @Test
    void presignedPutStoresTheBodyWithoutTheServer() throws Exception {
        URI put = s3.presignedPut("artifacts/t/0/public/out.txt", Duration.ofMinutes(5)).orElseThrow();

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(put)
                .PUT(HttpRequest.BodyPublishers.ofString("uploaded directly")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(s3.size("artifacts/t/0/public/out.txt")).isEqualTo(17);
        try (InputStream in = s3.open("artifacts/t/0/public/out.txt", 0).orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("uploaded directly");
        }
    }

    @Test
    void presignedGetAnswersTheBytesWithTheArtifactsContentType() throws Exception {
        s3.put("artifacts/t/0/public/data.json", new ByteArrayInputStream("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        URI get = s3.presignedGet("artifacts/t/0/public/data.json", "application/json", Duration.ofMinutes(5)).orElseThrow();

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"a\":1}");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void presignedGetOfASealedLiveLogAnswersEveryAppendedByte() throws Exception {
        for (int i = 0; i < 5; i++) {
            byte[] line = ("line " + i + "\n").getBytes(StandardCharsets.UTF_8);
            s3.append("artifacts/t/0/public/logs/live.log", line, 0, line.length);
        }
        s3.seal("artifacts/t/0/public/logs/live.log");
        URI get = s3.presignedGet("artifacts/t/0/public/logs/live.log", "text/plain", Duration.ofMinutes(5)).orElseThrow();

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.body()).isEqualTo("line 0\nline 1\nline 2\nline 3\nline 4\n");
    }

    /** Pieces that overlap (bytes written twice, e.g. by two servers with different batches) are read once. */
    @Test
    void overlappingAppendedPiecesAreReadWithEachByteOnce() throws Exception {
        String key = "artifacts/t/0/public/logs/live.log";
        s3.appendAt(key, 0, "0123".getBytes(StandardCharsets.UTF_8), 0, 4);
        try (var raw = S3TestBucket.client(bucket)) {
            raw.putObject(b -> b.bucket(bucket.bucket()).key(".append/" + key + "/" + String.format("%020d", 2)),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("23456"));
        }

        assertThat(s3.size(key)).isEqualTo(7);
        try (InputStream in = s3.open(key, 0).orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("0123456");
        }
        try (InputStream in = s3.open(key, 3).orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("3456");
        }
        assertThat(s3.appendAt(key, 5, "5678".getBytes(StandardCharsets.UTF_8), 0, 4)).isEqualTo(new BlobStore.Appended(9, 2));
        s3.seal(key);
        try (InputStream in = s3.open(key, 0).orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("012345678");
        }
    }

    @Test
    void aTamperedPresignedUrlIsRefused() throws Exception {
        URI put = s3.presignedPut("artifacts/t/0/public/a.txt", Duration.ofMinutes(5)).orElseThrow();
        URI other = URI.create(put.toString().replace("public/a.txt", "public/b.txt"));

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(other)
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(s3.size("artifacts/t/0/public/b.txt")).isEqualTo(-1);
    }
}
