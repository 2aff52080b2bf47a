package dev.berth.it.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server whose artifacts live in S3 (S3Proxy from scripts/s3.sh): a worker's artifact bytes go straight
 * to the bucket through the presigned putUrl, readers are sent there with a 303, and a live log is appended
 * through the server, followed live, then served from the bucket once finished.
 */
class S3ArtifactStoreIT {

    private static final String Q = "/api/queue/v1";
    private final HttpClient plain = HttpClient.newHttpClient();
    private BerthServer server;
    private SignedHttp root;
    private String s3Endpoint;

    @BeforeEach
    void startServerOnS3() throws Exception {
        s3Endpoint = ScaleOut.env("BERTH_TEST_S3_ENDPOINT", "http://127.0.0.1:9500");
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_PORT", "0");
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_DATA_DIR", Files.createTempDirectory("berth-s3-it").toString());
        env.putAll(ScaleOut.s3Env("berth-it-" + UUID.randomUUID().toString().substring(0, 13)));
        server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
        root = SignedHttp.signed(server.rootUrl(), server.rootClientId(), server.rootAccessToken());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void artifactIsUploadedByPresignedPutAndDownloadedThroughA303ToTheBucket() throws Exception {
        Claimed run = claimOne();
        String name = "public/result.txt";
        JsonNode created = run.worker().post(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name,
                Map.of("storageType", "s3", "contentType", "text/plain", "expires", run.expires())).json();
        URI putUrl = URI.create(created.get("putUrl").asText());
        assertThat(putUrl.toString()).as("putUrl goes to the bucket, not the server").startsWith(s3Endpoint);
        assertThat(created.get("appendUrl").asText()).startsWith(server.rootUrl());

        HttpResponse<String> put = plain.send(HttpRequest.newBuilder(putUrl)
                .PUT(HttpRequest.BodyPublishers.ofString("the result\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(run.worker().put(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name, Map.of()).status())
                .isEqualTo(200);
        assertThat(run.worker().post(Q + "/task/" + run.taskId() + "/runs/0/completed", null).status()).isEqualTo(200);

        SignedHttp.Response get = SignedHttp.anonymous(server.rootUrl()).get(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name);
        assertThat(get.status()).isEqualTo(303);
        String location = get.header("Location");
        assertThat(location).startsWith(s3Endpoint);
        HttpResponse<String> fromBucket = plain.send(HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fromBucket.statusCode()).isEqualTo(200);
        assertThat(fromBucket.body()).isEqualTo("the result\n");
        assertThat(fromBucket.headers().firstValue("Content-Type")).hasValue("text/plain");
    }

    @Test
    void artifactContentAnswersAPresignedBucketUrlForAPrivateArtifact() throws Exception {
        Claimed run = claimOne();
        String name = "private/out.txt";
        JsonNode created = run.worker().post(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name,
                Map.of("storageType", "s3", "contentType", "text/plain", "expires", run.expires())).json();
        HttpResponse<String> put = plain.send(HttpRequest.newBuilder(URI.create(created.get("putUrl").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString("private bytes")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(run.worker().put(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name, Map.of()).status()).isEqualTo(200);

        assertThat(SignedHttp.anonymous(server.rootUrl()).get(Q + "/task/" + run.taskId() + "/artifact-content/" + name).status())
                .isEqualTo(403);
        SignedHttp.Response content = root.get(Q + "/task/" + run.taskId() + "/artifact-content/" + name);
        assertThat(content.status()).as(content.toString()).isEqualTo(200);
        assertThat(content.json().get("storageType").asText()).isEqualTo("s3");
        String url = content.json().get("url").asText();
        assertThat(url).as("the bytes come from the bucket, not the server").startsWith(s3Endpoint);
        HttpResponse<String> fromBucket = plain.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fromBucket.statusCode()).isEqualTo(200);
        assertThat(fromBucket.body()).isEqualTo("private bytes");
    }

    @Test
    void liveLogIsAppendedThroughTheServerFollowedLiveAndServedFromTheBucketOnceFinished() throws Exception {
        Claimed run = claimOne();
        String name = "public/logs/live.log";
        JsonNode created = run.worker().post(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name,
                Map.of("storageType", "s3", "contentType", "text/plain; charset=utf-8", "expires", run.expires())).json();
        String appendUrl = created.get("appendUrl").asText();
        SignedHttp anonymous = SignedHttp.anonymous(server.rootUrl());
        assertThat(anonymous.send("POST", appendUrl, "line 1\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of())
                .status()).isEqualTo(200);

        HttpResponse<InputStream> follow = anonymous.stream("GET", Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name);
        assertThat(follow.statusCode()).as("a live log is streamed by the server").isEqualTo(200);
        InputStream live = follow.body();
        assertThat(new String(live.readNBytes(7), StandardCharsets.UTF_8)).isEqualTo("line 1\n");
        assertThat(anonymous.send("POST", appendUrl, "line 2\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of())
                .status()).isEqualTo(200);
        assertThat(new String(live.readNBytes(7), StandardCharsets.UTF_8)).as("the follower gets the next append").isEqualTo("line 2\n");

        assertThat(run.worker().put(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name, Map.of()).status()).isEqualTo(200);
        assertThat(run.worker().post(Q + "/task/" + run.taskId() + "/runs/0/completed", null).status()).isEqualTo(200);
        assertThat(live.readAllBytes()).as("the follow ends with the log").isEmpty();

        SignedHttp.Response get = anonymous.get(Q + "/task/" + run.taskId() + "/runs/0/artifacts/" + name);
        assertThat(get.status()).isEqualTo(303);
        HttpResponse<String> fromBucket = plain.send(HttpRequest.newBuilder(URI.create(get.header("Location"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fromBucket.body()).isEqualTo("line 1\nline 2\n");
    }

    private record Claimed(String taskId, SignedHttp worker, String expires) {}

    private Claimed claimOne() {
        String queue = TaskFixtures.uniqueQueue();
        String taskId = TaskFixtures.slugId();
        var body = ScaleOut.taskBody(queue);
        assertThat(root.put(Q + "/task/" + taskId, body).status()).isEqualTo(200);
        JsonNode claim = root.post(Q + "/claim-work/" + queue, Map.of("workerGroup", "it", "workerId", "w", "tasks", 1)).json();
        JsonNode task = claim.get("tasks").get(0);
        return new Claimed(taskId, SignedHttp.temporary(server.rootUrl(), task.get("credentials")),
                body.get("deadline").asText());
    }
}
