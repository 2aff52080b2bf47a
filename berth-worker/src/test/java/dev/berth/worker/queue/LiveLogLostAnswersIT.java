package dev.berth.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's live log through a real server whose answers to appends are lost after it stored the
 * bytes (what a killed server or a cut connection does): the worker sends the batch again at the same
 * offset and the log holds every line once. Appends reach the server through a small proxy (the server's
 * rootUrl, so its appendUrls point there) that forwards each POST and, for the first ones, closes the
 * connection instead of passing the answer on.
 */
class LiveLogLostAnswersIT {

    @TempDir
    Path tmp;

    private HttpServer proxy;
    private BerthServer server;
    private final HttpClient forward = HttpClient.newHttpClient();
    private volatile int serverPort;
    private final AtomicInteger answersToLose = new AtomicInteger();
    private final List<String> appendQueries = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (proxy != null) proxy.stop(0);
    }

    private void proxyAppends(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            URI target = URI.create("http://127.0.0.1:" + serverPort + exchange.getRequestURI());
            HttpRequest.Builder request = HttpRequest.newBuilder(target)
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type != null) request.header("Content-Type", type);
            HttpResponse<byte[]> answer;
            try {
                answer = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if ("POST".equals(exchange.getRequestMethod())) {
                appendQueries.add(exchange.getRequestURI().getRawQuery());
                // the server stored the batch; its answer never reaches the worker
                if (answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return;
            }
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    @Test
    void aLogBatchWhoseAnswerIsLostAfterTheServerStoredItAppearsOnce() throws Exception {
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", this::proxyAppends);
        proxy.start();
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_ROOT_URL", "http://127.0.0.1:" + proxy.getAddress().getPort(),
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        serverPort = server.port();
        // signed calls go straight to the server (Hawk signs its host); only the unsigned appends pass the proxy
        BerthClient root = new BerthClient("http://127.0.0.1:" + serverPort,
                new Credentials(server.rootClientId(), server.rootAccessToken()));
        String taskQueueId = "berth-it/lost-answers-" + UUID.randomUUID().toString().substring(0, 8);
        String taskId = createTask(root, taskQueueId);
        ClientWorkQueue queue = new ClientWorkQueue(root, taskQueueId, "g", "w-lost-answers");
        List<WorkClaim> claims = queue.claimWork(1, Duration.ofSeconds(10));
        assertThat(claims).hasSize(1);

        answersToLose.set(2);
        RunReporter reporter = queue.reporterFor(claims.get(0));
        reporter.appendLog("line one\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(20)).until(() -> appendQueries.size() >= 3);
        // as the worker does after the container's exit: the closing line waits for the finish (otherwise the
        // flusher may send it on its own first, and the finish goes as a separate finishArtifact call)
        reporter.holdLog();
        reporter.appendLog("line two\n".getBytes(StandardCharsets.UTF_8));
        reporter.finishLog("public/logs/live.log", Instant.now().plus(Duration.ofDays(1)));
        reporter.reportCompleted();

        try (InputStream in = root.queue().getArtifact(taskId, 0, "public/logs/live.log")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line one\nline two\n");
        }
        assertThat(appendQueries).hasSize(4);
        assertThat(appendQueries).allMatch(q -> q.contains("token="));
        // the last batch carries the finish (one request for both)
        assertThat(appendQueries.stream().map(q -> q.replaceAll(".*offset=", "")))
                .containsExactly("0", "0", "0", "9&finish=true");
    }

    private static String createTask(BerthClient root, String taskQueueId) {
        String taskId = dev.berth.core.auth.Slugid.v4();
        root.queue().createTask(taskId, TaskBodies.on(taskQueueId).maxRunTime(600).build());
        return taskId;
    }
}
