package dev.berth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.core.BerthException;
import dev.berth.core.auth.Authenticator;
import dev.berth.core.auth.RoleExpander;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.core.store.RoleRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the client against an in-test HTTP server that authenticates every request with core's verifier. */
class BerthClientTest {

    /** What the test server saw of one request. */
    record Seen(String method, String target, String body, String contentType, Authenticator.Authenticated auth,
                String authFailure) {}

    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange, Seen seen) throws IOException;
    }

    private HttpServer server;
    private String rootUrl;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Responder responder = (exchange, request) -> json(exchange, 200, "{\"ok\":true}");

    private final Authenticator authenticator = new Authenticator(
            id -> Optional.ofNullable(Map.of(
                    "tester", new Authenticator.ClientCredentials("tester", "tester-token",
                            List.of("assume:role:dev", "queue:*"), null, false)).get(id)),
            () -> RoleExpander.of(List.of(new RoleRecord("role:dev", "", List.of("auth:*"), Instant.EPOCH,
                    Instant.EPOCH))),
            Clock.systemUTC());

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                String target = exchange.getRequestURI().getRawPath()
                        + (exchange.getRequestURI().getRawQuery() != null ? "?" + exchange.getRequestURI().getRawQuery() : "");
                String hostHeader = exchange.getRequestHeaders().getFirst("Host");
                String host = hostHeader.substring(0, hostHeader.lastIndexOf(':'));
                int port = Integer.parseInt(hostHeader.substring(hostHeader.lastIndexOf(':') + 1));
                Authenticator.Authenticated auth = null;
                String failure = null;
                try {
                    if (authorization != null) {
                        auth = authenticator.authenticate(authorization, exchange.getRequestMethod(), target, host,
                                port, body, exchange.getRequestHeaders().getFirst("Content-Type"));
                    } else if (target.contains("bewit=")) {
                        auth = authenticator.authenticateBewit(exchange.getRequestMethod(), target, host, port);
                    }
                } catch (BerthException e) {
                    failure = e.getMessage();
                }
                Seen request = new Seen(exchange.getRequestMethod(), target, new String(body, StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst("Content-Type"), auth, failure);
                seen.add(request);
                if (failure != null) {
                    json(exchange, 401, Json.write(Map.of("code", "AuthenticationFailed", "message", failure)));
                    return;
                }
                responder.respond(exchange, request);
            }
        });
        server.start();
        rootUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private BerthClient signed() {
        return new BerthClient(rootUrl, new Credentials("tester", "tester-token"));
    }

    @Test
    void signsRequestsTheServerCanVerify() {
        responder = (exchange, request) -> json(exchange, 200, "{\"status\":{\"taskId\":\"x\"}}");
        JsonNode response = signed().queue().createTask("fQ2N3UEWRGG1ViD45ab6Pw",
                Map.of("taskQueueId", "a/b", "payload", Map.of()));
        assertThat(response.at("/status/taskId").asText()).isEqualTo("x");
        Seen request = seen.get(0);
        assertThat(request.authFailure()).isNull();
        assertThat(request.method()).isEqualTo("PUT");
        assertThat(request.target()).isEqualTo("/api/queue/v1/task/fQ2N3UEWRGG1ViD45ab6Pw");
        assertThat(request.contentType()).isEqualTo("application/json");
        assertThat(Json.tree(request.body()).path("taskQueueId").asText()).isEqualTo("a/b");
        assertThat(request.auth().clientId()).isEqualTo("tester");
        assertThat(request.auth().scopes()).contains("auth:*", "queue:*");
    }

    @Test
    void routeArgumentsAndQueryAreEncodedLikeEncodeUriComponent() {
        BerthClient client = signed();
        client.queue().reportException("t1", 2, "worker-shutdown");
        client.queue().listArtifacts("t1", 0, "tok en/1", 10);
        client.auth().listClients("pre", null, null);
        client.queue().claimWork("prov/type", "g", "w", 1);
        assertThat(seen).extracting(Seen::target).containsExactly(
                "/api/queue/v1/task/t1/runs/2/exception",
                "/api/queue/v1/task/t1/runs/0/artifacts?continuationToken=tok%20en%2F1&limit=10",
                "/api/auth/v1/clients/?prefix=pre",
                "/api/queue/v1/claim-work/prov%2Ftype");
        assertThat(seen).allSatisfy(request -> assertThat(request.authFailure()).isNull());
        assertThat(Json.tree(seen.get(0).body()).path("reason").asText()).isEqualTo("worker-shutdown");
        assertThat(Json.tree(seen.get(3).body()).path("tasks").asInt()).isEqualTo(1);
    }

    @Test
    void unsignedWithoutCredentials() {
        new BerthClient(rootUrl, null).queue().ping();
        assertThat(seen.get(0).auth()).isNull();
        assertThat(seen.get(0).authFailure()).isNull();
    }

    @Test
    void wrongTokenIsReportedWithTheServersReason() {
        BerthClient client = new BerthClient(rootUrl, new Credentials("tester", "wrong"));
        assertThatThrownBy(() -> client.queue().task("abc"))
                .isInstanceOfSatisfying(BerthApiException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("AuthenticationFailed");
                    assertThat(e.kind()).isEqualTo(BerthException.Kind.AUTHENTICATION_FAILED);
                    assertThat(e.getMessage()).contains("GET ", "/api/queue/v1/task/abc", "mac");
                });
    }

    @Test
    void errorBodiesMapToExceptions() {
        responder = (exchange, request) -> json(exchange, 409,
                "{\"code\":\"RequestConflict\",\"message\":\"run 0 is not running\"}");
        assertThatThrownBy(() -> signed().queue().reportCompleted("t", 0))
                .isInstanceOfSatisfying(BerthApiException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(409);
                    assertThat(e.kind()).isEqualTo(BerthException.Kind.CONFLICT);
                    assertThat(e.getMessage()).contains("run 0 is not running");
                });
    }

    @Test
    void serverErrorsAreRetried() {
        AtomicInteger calls = new AtomicInteger();
        responder = (exchange, request) -> {
            if (calls.incrementAndGet() < 3) {
                json(exchange, 503, "{\"code\":\"ServiceUnavailable\",\"message\":\"busy\"}");
            } else {
                json(exchange, 200, "{\"alive\":true}");
            }
        };
        assertThat(signed().queue().ping().path("alive").asBoolean()).isTrue();
        assertThat(calls.get()).isEqualTo(3);
        calls.set(-100);
        assertThatThrownBy(() -> signed().withRetries(1, Duration.ofSeconds(5)).queue().ping())
                .isInstanceOfSatisfying(BerthApiException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
    }

    @Test
    void temporaryCredentialsAndAuthorizedScopesTravelInExt() {
        Instant now = Instant.now();
        TemporaryCredentials temp = TemporaryCredentials.create("tester", "tester-token",
                List.of("queue:claim-work:a/b", "queue:worker-id:g/w", "assume:role:dev"), now.minusSeconds(5),
                now.plus(Duration.ofHours(1)), null);
        BerthClient client = new BerthClient(rootUrl,
                new Credentials(temp.clientId(), temp.accessToken(), temp.certificate()));
        client.queue().claimWork("a/b", "g", "w", 1);
        assertThat(seen.get(0).authFailure()).isNull();
        assertThat(seen.get(0).auth().scopes()).containsExactly("assume:role:dev", "auth:*",
                "queue:claim-work:a/b", "queue:worker-id:g/w");

        client.withAuthorizedScopes(List.of("queue:claim-work:a/b")).queue().ping();
        assertThat(seen.get(1).auth().scopes()).containsExactly("queue:claim-work:a/b");

        assertThatThrownBy(() -> client.withAuthorizedScopes(List.of("queue:claim-work:other")).queue().ping())
                .isInstanceOfSatisfying(BerthApiException.class,
                        e -> assertThat(e.getMessage()).contains("authorizedScopes"));
    }

    @Test
    void artifactDownloadFollowsRedirectsAndSignsOnlyTheServiceHop() throws IOException {
        responder = (exchange, request) -> {
            if (request.target().startsWith("/api/queue/v1/task/t1/artifacts/")) {
                exchange.getResponseHeaders().set("Location", "/blobs/t1/log?sig=abc");
                exchange.sendResponseHeaders(303, -1);
            } else {
                byte[] bytes = "line 1\nline 2\n".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        };
        try (InputStream in = signed().queue().getLatestArtifact("t1", "public/log.txt")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        }
        assertThat(seen).extracting(Seen::target)
                .containsExactly("/api/queue/v1/task/t1/artifacts/public%2Flog.txt", "/blobs/t1/log?sig=abc");
        assertThat(seen.get(0).auth().clientId()).isEqualTo("tester");
    }

    @Test
    void downloadWritesFileAndMissingArtifactIsAnError(@TempDir Path dir) {
        responder = (exchange, request) -> {
            if (request.target().contains("/runs/0/")) {
                byte[] bytes = new byte[300_000];
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            } else {
                json(exchange, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"no artifact x\"}");
            }
        };
        Path target = dir.resolve("sub/out.bin");
        signed().queue().downloadArtifact("t1", 0, "public/big.bin", target);
        assertThat(target).hasSize(300_000);
        assertThatThrownBy(() -> signed().queue().downloadArtifact("t1", 1, "x", dir.resolve("none")))
                .isInstanceOfSatisfying(BerthApiException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThat(dir.resolve("none")).doesNotExist();
    }

    @Test
    void uploadsStreamFromFileAndInputStream(@TempDir Path dir) throws IOException {
        responder = (exchange, request) -> json(exchange, 200, "");
        Path file = dir.resolve("artifact.txt");
        Files.writeString(file, "artifact bytes");
        BerthClient client = signed();
        URI putUrl = URI.create(rootUrl + "/blobs/t1/0/public%2Fartifact.txt");
        client.upload(putUrl, file, "text/plain");
        client.upload(putUrl, new ByteArrayInputStream("streamed".getBytes(StandardCharsets.UTF_8)), 8,
                "application/octet-stream");
        assertThat(seen).extracting(Seen::body).containsExactly("artifact bytes", "streamed");
        assertThat(seen).extracting(Seen::contentType).containsExactly("text/plain", "application/octet-stream");
        assertThat(seen.get(0).auth().clientId()).isEqualTo("tester");
    }

    @Test
    void signedUrlsWorkWithoutAuthorizationHeader() throws Exception {
        responder = (exchange, request) -> json(exchange, 200,
                Json.write(Map.of("client", request.auth() == null ? "none" : request.auth().clientId())));
        URI url = signed().queue().signedLatestArtifactUrl("t1", "public/log.txt", Duration.ofMinutes(5));
        assertThat(url.getRawPath()).isEqualTo("/api/queue/v1/task/t1/artifacts/public%2Flog.txt");
        try (InputStream in = url.toURL().openStream()) {
            assertThat(Json.MAPPER.readTree(in).path("client").asText()).isEqualTo("tester");
        }
    }

    @Test
    void authRoutesUseApisJsPaths() {
        BerthClient client = signed();
        client.auth().createRole("repo:*", Map.of("description", "d", "scopes", List.of("a")));
        client.auth().role("repo:*");
        client.auth().listRoles();
        client.auth().deleteRole("repo:*");
        client.auth().resetAccessToken("c/1");
        client.auth().expandScopes(List.of("assume:repo:x"));
        client.auth().currentScopes();
        client.auth().updateClient("c", Map.of("scopes", List.of()));
        client.auth().deleteClient("c");
        client.queue().taskQueueCounts("p/w");
        client.queue().pendingTasks("p/w");
        client.queue().listTaskGroup("g", null, 5);
        client.queue().finishArtifact("t", 0, "public/a", Map.of("uploadId", "u"));
        assertThat(seen).extracting(request -> request.method() + " " + request.target()).containsExactly(
                "PUT /api/auth/v1/roles/repo%3A*",
                "GET /api/auth/v1/roles/repo%3A*",
                "GET /api/auth/v1/roles/",
                "DELETE /api/auth/v1/roles/repo%3A*",
                "POST /api/auth/v1/clients/c%2F1/reset",
                "POST /api/auth/v1/scopes/expand",
                "GET /api/auth/v1/scopes/current",
                "POST /api/auth/v1/clients/c",
                "DELETE /api/auth/v1/clients/c",
                "GET /api/queue/v1/task-queues/p%2Fw/counts",
                "GET /api/queue/v1/pending/p%2Fw",
                "GET /api/queue/v1/task-group/g/list?limit=5",
                "PUT /api/queue/v1/task/t/runs/0/artifacts/public%2Fa");
        assertThat(seen).allSatisfy(request -> assertThat(request.authFailure()).isNull());
    }
}
