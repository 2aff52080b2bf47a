package dev.berth.worker.features.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.RunFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskclusterProxyFeatureTest {

    private static final List<String> TASK_SCOPES = List.of("queue:get-artifact:private/*", "assume:project:x");

    private RecordingUpstream upstream;
    private ProxyEndpoints endpoints;
    private TaskclusterProxyFeature feature;

    @BeforeEach
    void start() throws IOException {
        upstream = new RecordingUpstream();
        endpoints = new ProxyEndpoints(0, java.time.Duration.ofMillis(300));
        feature = new TaskclusterProxyFeature(endpoints, new Forwarder());
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private ProxyTestRuns.Run run(String containerAddress, TemporaryCredentials credentials) {
        return new ProxyTestRuns.Run(upstream.url() + "/", TASK_SCOPES, containerAddress, credentials);
    }

    private int port(ProxyTestRuns.Run r) {
        return endpoints.endpointOf(r.network.id()).port();
    }

    private RawHttp.Response get(ProxyTestRuns.Run r, String from, String host, String target, Map<String, String> more)
            throws IOException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Host", host);
        headers.putAll(more);
        return RawHttp.send("127.0.0.1", port(r), from, "GET", target, headers, null);
    }

    @Test
    void theTaskFindsTheProxyByNameAndTheProxyUrlInItsEnvironment() throws Exception {
        ProxyTestRuns.Run r = run("127.0.0.1", ProxyTestRuns.credentials("c1", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            ContainerSetup setup = new ContainerSetup(r.network.name());
            f.beforeCreate(setup);
            assertThat(setup.env()).containsEntry("TASKCLUSTER_PROXY_URL", "http://taskcluster");
            assertThat(setup.additions().extraHosts()).containsEntry("taskcluster", "127.0.0.1");
            assertThat(feature.needsTaskNetwork()).isTrue();
            assertThat(feature.requiredScopes(null)).as("real Firefox tasks enable it without a scope").isEmpty();
        }
    }

    @Test
    void requestsAreSignedWithTheRunsCurrentCredentialsLimitedToTheTaskScopesAndTheTasksOwnAuthorizationNeverLeaves()
            throws Exception {
        TemporaryCredentials first = ProxyTestRuns.credentials("run-creds-1", List.of("assume:x"));
        ProxyTestRuns.Run r = run("127.0.0.1", first);
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("container-1");

            RawHttp.Response answer = get(r, null, "taskcluster", "/api/queue/v1/task/abc/runs/0/artifacts/public%2Fa.txt?x=1&y=2",
                    Map.of("Authorization", "Bearer the-tasks-own", "X-Custom", "kept"));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("upstream says hi");
            assertThat(answer.headers()).containsEntry("x-upstream", "yes");

            RecordingUpstream.Seen seen = upstream.last();
            assertThat(seen.rawPath()).isEqualTo("/api/queue/v1/task/abc/runs/0/artifacts/public%2Fa.txt");
            assertThat(seen.rawQuery()).isEqualTo("x=1&y=2");
            assertThat(seen.header("X-Custom")).isEqualTo("kept");
            assertThat(seen.headers().get("Authorization")).hasSize(1);
            String authorization = seen.header("Authorization");
            assertThat(authorization).startsWith("Hawk ").doesNotContain("the-tasks-own");
            assertSignedBy(authorization, first, seen, r);

            // a reclaim replaces the run's credentials: the next request is signed with the new ones
            TemporaryCredentials second = ProxyTestRuns.credentials("run-creds-2", List.of("assume:x"));
            r.claim.renew(Instant.now().plusSeconds(600), second);
            assertThat(get(r, null, "taskcluster:80", "/api/queue/v1/task/abc", Map.of()).status()).isEqualTo(200);
            assertSignedBy(upstream.last().header("Authorization"), second, upstream.last(), r);
        }
    }

    private void assertSignedBy(String authorization, TemporaryCredentials credentials, RecordingUpstream.Seen seen,
                                ProxyTestRuns.Run r) {
        URI up = URI.create(upstream.url());
        String resource = seen.rawPath() + (seen.rawQuery() == null ? "" : "?" + seen.rawQuery());
        Hawk.Result result = Hawk.verifyHeader(authorization, seen.method(), resource, up.getHost(), up.getPort(), null, null,
                (id, ext) -> id.equals(credentials.clientId()) ? credentials.accessToken() : null, Instant.now());
        assertThat(result.valid()).as("Hawk verifies with %s: %s", credentials.clientId(), result.failure()).isTrue();
        Ext ext = Ext.parse(result.ext());
        assertThat(ext.certificate()).isEqualTo(credentials.parsedCertificate());
        assertThat(ext.authorizedScopes()).containsExactly("queue:get-artifact:private/*", "assume:project:x",
                "queue:create-artifact:" + r.claimed.taskId() + "/0", "assume:anonymous");
    }

    @Test
    void dockerWorkersOldPathsReachTheApiAndOtherPathsAreNotForwarded() throws Exception {
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1",
                ProxyTestRuns.credentials("c", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            assertThat(get(r, null, "taskcluster", "/queue/v1/task/abc", Map.of()).status()).isEqualTo(200);
            assertThat(upstream.last().rawPath()).isEqualTo("/api/queue/v1/task/abc");

            int before = upstream.seen.size();
            RawHttp.Response notApi = get(r, null, "taskcluster", "/etc/passwd", Map.of());
            assertThat(notApi.status()).isEqualTo(404);
            assertThat(notApi.text()).contains("\"code\":\"ResourceNotFound\"");
            RawHttp.Response otherName = get(r, null, "balrog", "/api/queue/v1/task/abc", Map.of());
            assertThat(otherName.status()).isEqualTo(404);
            assertThat(otherName.text()).contains("no proxy named 'balrog'");
            assertThat(upstream.seen).hasSize(before);
        }
    }

    @Test
    void postBewitSignsAUrlOfTheDeploymentWithTheRunsCredentialsAndTheTaskScopes() throws Exception {
        TemporaryCredentials creds = ProxyTestRuns.credentials("c", List.of("a"));
        ProxyTestRuns.Run r = run("127.0.0.1", creds);
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            String url = upstream.url() + "/api/queue/v1/task/abc/artifacts/private%2Fx.log";
            RawHttp.Response answer = RawHttp.send("127.0.0.1", port(r), null, "POST", "/bewit",
                    Map.of("Host", "taskcluster"), url.getBytes());
            assertThat(answer.status()).isEqualTo(303);
            URI signed = URI.create(answer.headers().get("location"));
            assertThat(signed.toString()).startsWith(url + "?bewit=");
            Hawk.Result result = Hawk.verifyBewit("GET", Hawk.resourceOf(signed), signed.getHost(), signed.getPort(),
                    (id, ext) -> id.equals(creds.clientId()) ? creds.accessToken() : null, Instant.now());
            assertThat(result.valid()).as(result.failure()).isTrue();
            assertThat(Ext.parse(result.ext()).authorizedScopes()).contains("queue:get-artifact:private/*");

            RawHttp.Response elsewhere = RawHttp.send("127.0.0.1", port(r), null, "POST", "/bewit",
                    Map.of("Host", "taskcluster"), "http://evil.example/x".getBytes());
            assertThat(elsewhere.status()).isEqualTo(400);
            assertThat(upstream.seen).as("signing calls nothing").isEmpty();
        }
    }

    @Test
    void redirectsGoBackToTheTaskUnchanged() throws Exception {
        upstream.answer = exchange -> {
            exchange.getResponseHeaders().set("Location", "http://storage.example/bucket/obj?sig=1");
            exchange.sendResponseHeaders(303, -1);
        };
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1",
                ProxyTestRuns.credentials("c", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            RawHttp.Response answer = get(r, null, "taskcluster", "/api/queue/v1/task/abc/artifacts/public%2Fx", Map.of());
            assertThat(answer.status()).isEqualTo(303);
            assertThat(answer.headers()).containsEntry("location", "http://storage.example/bucket/obj?sig=1");
            assertThat(upstream.seen).hasSize(1);
        }
    }

    @Test
    void largeBodiesPassBothWaysIntact() throws Exception {
        byte[] big = new byte[5 << 20];
        new Random(7).nextBytes(big);
        upstream.answer = exchange -> {
            byte[] got = upstream.last().body();
            // chunked (length unknown), echoing the body back
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(got);
            }
        };
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1",
                ProxyTestRuns.credentials("c", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            RawHttp.Response answer = RawHttp.send("127.0.0.1", port(r), null, "PUT",
                    "/api/queue/v1/task/abc/runs/0/artifact-content/public%2Fbig.bin?token=t",
                    Map.of("Host", "taskcluster", "Content-Type", "application/octet-stream"), big);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(upstream.last().method()).isEqualTo("PUT");
            assertThat(upstream.last().header("Content-Type")).isEqualTo("application/octet-stream");
            assertThat(sha256(upstream.last().body())).isEqualTo(sha256(big));
            assertThat(sha256(answer.body())).isEqualTo(sha256(big));
        }
    }

    @Test
    void onlyTheTaskContainersAddressIsAnsweredAndNothingBeforeItStarted() throws Exception {
        // the task container is 127.0.0.2 here; the test's requests come from 127.0.0.1 or 127.0.0.3
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.2",
                ProxyTestRuns.credentials("c", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            RawHttp.Response early = get(r, "127.0.0.2", "taskcluster", "/api/queue/v1/task/abc", Map.of());
            assertThat(early.status()).isEqualTo(403);
            assertThat(early.text()).contains("has not started");

            f.afterStart("c");
            RawHttp.Response other = get(r, "127.0.0.3", "taskcluster", "/api/queue/v1/task/abc", Map.of());
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.text()).contains("\"code\":\"RequestRefused\"").contains("not 127.0.0.3");
            assertThat(get(r, "127.0.0.1", "taskcluster", "/api/queue/v1/task/abc", Map.of()).status()).isEqualTo(403);
            assertThat(upstream.seen).as("nothing refused reached the upstream").isEmpty();

            assertThat(get(r, "127.0.0.2", "taskcluster", "/api/queue/v1/task/abc", Map.of()).status()).isEqualTo(200);
            assertThat(upstream.seen).hasSize(1);
        }
    }

    @Test
    void aTaskThatEndedBeforeItsAddressWasAskedIsNoFailureAndTheEndpointRefusesEveryone() throws Exception {
        // a quick command: by the time the worker asks, the engine has released the container's address
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, null, ProxyTestRuns.credentials("c", List.of("a")));
        try (RunFeature f = feature.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            assertThat(get(r, "127.0.0.1", "taskcluster", "/api/queue/v1/task/abc", Map.of()).status()).isEqualTo(403);
            assertThat(upstream.seen).isEmpty();
        }
    }

    @Test
    void closingTheRunClosesItsEndpoint() throws Exception {
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1",
                ProxyTestRuns.credentials("c", List.of("a")));
        RunFeature f = feature.open(r.featureRun);
        f.beforeCreate(new ContainerSetup(r.network.name()));
        int port = port(r);
        assertThat(endpoints.open()).isEqualTo(1);
        f.close();
        f.close(); // twice is harmless
        assertThat(endpoints.open()).isZero();
        assertThatThrownBy(() -> RawHttp.send("127.0.0.1", port, null, "GET", "/", Map.of("Host", "taskcluster"), null))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aRunWithoutCredentialsCannotHaveTheProxy() {
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1", null);
        try (RunFeature f = feature.open(r.featureRun)) {
            assertThatThrownBy(() -> f.beforeCreate(new ContainerSetup(r.network.name())))
                    .isInstanceOfSatisfying(FeatureFailure.class,
                            e -> assertThat(e.reason()).isEqualTo(ReasonResolved.RESOURCE_UNAVAILABLE));
            assertThat(endpoints.open()).isZero();
        }
    }

    @Test
    void aGatewayPortThatCannotBeBoundIsResourceUnavailableNamingIt() throws Exception {
        ProxyTestRuns.Run r = new ProxyTestRuns.Run(upstream.url(), TASK_SCOPES, "127.0.0.1",
                ProxyTestRuns.credentials("c", List.of("a")));
        int taken = URI.create(upstream.url()).getPort();
        TaskclusterProxyFeature onTakenPort = new TaskclusterProxyFeature(new ProxyEndpoints(taken), new Forwarder());
        try (RunFeature f = onTakenPort.open(r.featureRun)) {
            assertThatThrownBy(() -> f.beforeCreate(new ContainerSetup(r.network.name())))
                    .isInstanceOfSatisfying(FeatureFailure.class, e -> {
                        assertThat(e.reason()).isEqualTo(ReasonResolved.RESOURCE_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("127.0.0.1:" + taken);
                    });
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
