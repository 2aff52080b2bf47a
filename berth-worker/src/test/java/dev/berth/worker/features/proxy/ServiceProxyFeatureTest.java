package dev.berth.worker.features.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureConfig;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceProxyFeatureTest {

    private static final String PREFIX = "docker-worker:relengapi-proxy:";

    private RecordingUpstream upstream;
    private ProxyEndpoints endpoints;

    @BeforeEach
    void start() throws IOException {
        upstream = new RecordingUpstream();
        endpoints = new ProxyEndpoints(0);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private static ObjectNode options(String yamlAsJson) {
        return (ObjectNode) Json.tree(yamlAsJson);
    }

    private ServiceProxyFeature feature(String name, String json) {
        return new ServiceProxyFeature(ServiceProxyConfig.read(name, options(json)), endpoints, new Forwarder());
    }

    private RawHttp.Response get(ProxyTestRuns.Run r, String host, String target, Map<String, String> more) throws IOException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Host", host);
        headers.putAll(more);
        return RawHttp.send("127.0.0.1", endpoints.endpointOf(r.network.id()).port(), null, "GET", target, headers, null);
    }

    @Test
    void theConfiguredHeadersAreAddedByTheWorkerOverTheTasksOwnAndTheUpstreamPathIsKept() throws Exception {
        ServiceProxyFeature balrog = feature("balrogVPNProxy", """
                {"alias": "balrog", "upstream": "%s/base/", "headers": {"Authorization": "Bearer s3cret", "X-Team": "rel"},
                 "scope": "docker-worker:feature:balrogVPNProxy"}""".formatted(upstream.url()));
        assertThat(balrog.key()).isEqualTo("balrogVPNProxy");
        assertThat(balrog.requiredScopes(null)).containsExactly("docker-worker:feature:balrogVPNProxy");
        assertThat(balrog.needsTaskNetwork()).isTrue();
        assertThat(balrog.config().toString()).contains("Authorization").doesNotContain("s3cret");

        ProxyTestRuns.Run r = new ProxyTestRuns.Run("http://root.invalid", List.of(), "127.0.0.1", null);
        try (RunFeature f = balrog.open(r.featureRun)) {
            ContainerSetup setup = new ContainerSetup(r.network.name());
            f.beforeCreate(setup);
            assertThat(setup.additions().extraHosts()).containsEntry("balrog", "127.0.0.1");
            assertThat(setup.env()).as("nothing secret, nothing at all, in the task's environment").isEmpty();
            f.afterStart("c");

            RawHttp.Response answer = get(r, "balrog", "/api/v1/releases/Firefox?a=b",
                    Map.of("Authorization", "Bearer the-task-guessed", "Accept", "application/json"));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("upstream says hi");
            assertThat(answer.text()).doesNotContain("s3cret");
            RecordingUpstream.Seen seen = upstream.last();
            assertThat(seen.rawPath()).isEqualTo("/base/api/v1/releases/Firefox");
            assertThat(seen.rawQuery()).isEqualTo("a=b");
            assertThat(seen.headers().get("Authorization")).containsExactly("Bearer s3cret");
            assertThat(seen.header("X-Team")).isEqualTo("rel");
            assertThat(seen.header("Accept")).isEqualTo("application/json");
            assertThat(seen.header(ServiceProxyConfig.DEFAULT_PERMISSIONS_HEADER)).isNull();
        }
    }

    @Test
    void permissionsAreTheTasksLiteralScopesUnderThePrefixAndAWildcardGrantsNone() {
        ServiceProxyFeature releng = feature("relengAPIProxy", """
                {"upstream": "%s", "permissionScopePrefix": "%s",
                 "permissions": ["tooltool.download.public", "tooltool.download.internal"]}""".formatted(upstream.url(), PREFIX));
        assertThat(releng.config().alias()).isEqualTo("relengapiproxy");
        assertThat(releng.permissions(List.of(PREFIX + "tooltool.download.internal", PREFIX + "*", PREFIX + "tooltool.*",
                PREFIX + "tooltool.upload", "docker-worker:relengapi-proxy", PREFIX + "tooltool.download.public",
                PREFIX + "tooltool.download.internal")))
                .containsExactly("tooltool.download.internal", "tooltool.download.public");
        assertThat(releng.permissions(List.of("docker-worker:*", PREFIX + "*"))).isEmpty();

        ServiceProxyFeature any = feature("relengAPIProxy", """
                {"upstream": "%s", "permissionScopePrefix": "%s"}""".formatted(upstream.url(), PREFIX));
        assertThat(any.permissions(List.of(PREFIX + "anything.at.all", PREFIX + "x*"))).containsExactly("anything.at.all");
    }

    @Test
    void theUpstreamLearnsTheTasksPermissionsAndATaskWithoutAnyIsMalformedPayload() throws Exception {
        ServiceProxyFeature releng = feature("relengAPIProxy", """
                {"alias": "relengapi", "upstream": "%s", "headers": {"Authorization": "Bearer releng-token"},
                 "permissionScopePrefix": "%s", "permissionsHeader": "X-Relengapi-Permissions"}""".formatted(upstream.url(), PREFIX));

        ProxyTestRuns.Run with = new ProxyTestRuns.Run("http://root.invalid",
                List.of(PREFIX + "tooltool.download.public", PREFIX + "tooltool.*"), "127.0.0.1", null);
        try (RunFeature f = releng.open(with.featureRun)) {
            f.beforeCreate(new ContainerSetup(with.network.name()));
            f.afterStart("c");
            assertThat(get(with, "relengapi", "/tooltool/sha512/abc", Map.of()).status()).isEqualTo(200);
            assertThat(upstream.last().header("X-Relengapi-Permissions")).isEqualTo("tooltool.download.public");
            assertThat(upstream.last().header("Authorization")).isEqualTo("Bearer releng-token");
            assertThat(with.log).anyMatch(l -> l.contains("tooltool.download.public")).noneMatch(l -> l.contains("releng-token"));
        }

        ProxyTestRuns.Run without = new ProxyTestRuns.Run("http://root.invalid", List.of(PREFIX + "*"), "127.0.0.1", null);
        try (RunFeature f = releng.open(without.featureRun)) {
            assertThatThrownBy(() -> f.beforeCreate(new ContainerSetup(without.network.name())))
                    .isInstanceOfSatisfying(FeatureFailure.class, e -> {
                        assertThat(e.reason()).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
                        assertThat(e.getMessage()).contains(PREFIX + "<permission>").contains("relengAPIProxy");
                    });
        }
        assertThat(endpoints.open()).isZero();
    }

    @Test
    void theRunsProxiesShareOneEndpointWhichClosesWithTheLastOfThem() throws Exception {
        ServiceProxyFeature balrog = feature("balrogVPNProxy", "{\"alias\": \"balrog\", \"upstream\": \"" + upstream.url() + "\"}");
        ServiceProxyFeature testdroid = feature("testdroidProxy", "{\"alias\": \"testdroid\", \"upstream\": \"" + upstream.url() + "\"}");
        ProxyTestRuns.Run r = new ProxyTestRuns.Run("http://root.invalid", List.of(), "127.0.0.1", null);
        RunFeature a = balrog.open(r.featureRun);
        RunFeature b = testdroid.open(r.featureRun);
        a.beforeCreate(new ContainerSetup(r.network.name()));
        b.beforeCreate(new ContainerSetup(r.network.name()));
        a.afterStart("c");
        b.afterStart("c");
        assertThat(endpoints.open()).isEqualTo(1);
        assertThat(get(r, "balrog", "/x", Map.of()).status()).isEqualTo(200);
        assertThat(get(r, "testdroid", "/y", Map.of("Authorization", "Bearer the-tasks-own")).status()).isEqualTo(200);
        assertThat(upstream.last().header("Authorization")).as("a service without configured credentials gets none").isNull();

        b.close();
        assertThat(endpoints.open()).isEqualTo(1);
        assertThat(get(r, "balrog", "/x", Map.of()).status()).isEqualTo(200);
        assertThat(get(r, "testdroid", "/y", Map.of()).status()).as("its name went with it").isEqualTo(404);
        a.close();
        assertThat(endpoints.open()).isZero();
    }

    @Test
    void anUpstreamThatDoesNotAnswerIsA502NamingItForTheTask() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        ServiceProxyFeature down = feature("balrogVPNProxy", "{\"alias\": \"balrog\", \"upstream\": \"http://127.0.0.1:" + closed + "\"}");
        ProxyTestRuns.Run r = new ProxyTestRuns.Run("http://root.invalid", List.of(), "127.0.0.1", null);
        try (RunFeature f = down.open(r.featureRun)) {
            f.beforeCreate(new ContainerSetup(r.network.name()));
            f.afterStart("c");
            RawHttp.Response answer = get(r, "balrog", "/x", Map.of());
            assertThat(answer.status()).isEqualTo(502);
            assertThat(answer.text()).contains("UpstreamUnavailable").contains("127.0.0.1:" + closed);
        }
    }

    @Test
    void theFeaturesOfAWorkerAreTaskclusterProxyThenEachConfiguredServiceUnderItsName() {
        FeatureConfig config = FeatureConfig.read(Json.tree("""
                {"allowPtrace": true,
                 "balrogVPNProxy": {"alias": "balrog", "upstream": "http://127.0.0.1:9999", "scope": "docker-worker:feature:balrogVPNProxy"},
                 "testdroidProxy": {"enabled": false, "alias": "testdroid", "upstream": "http://127.0.0.1:9998"},
                 "interactive": {"keepAlive": "3m"}}"""), Set.of());
        List<TaskFeature> features = ProxyFeatures.of(config, endpoints, new Forwarder());
        assertThat(features).extracting(TaskFeature::key).containsExactly("taskclusterProxy", "balrogVPNProxy", "testdroidProxy");
        // the configuration's enabled: false switches it off like any feature
        assertThat(dev.berth.worker.features.Features.of(config, features).keys())
                .containsExactly("taskclusterProxy", "balrogVPNProxy");
    }

    @Test
    void aServiceConfigurationWithAProblemIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> ServiceProxyConfig.read("balrogVPNProxy", options("{\"alias\": \"balrog\"}")))
                .isInstanceOf(BerthException.class).hasMessageContaining("features.balrogVPNProxy.upstream must be set");
        assertThatThrownBy(() -> ServiceProxyConfig.read("x", options("{\"upstream\": \"ftp://h/\"}")))
                .hasMessageContaining("features.x.upstream must be an http(s) URL");
        assertThatThrownBy(() -> ServiceProxyConfig.read("x", options("{\"upstream\": \"http://h\", \"alias\": \"Bad_Name\"}")))
                .hasMessageContaining("features.x.alias");
        assertThatThrownBy(() -> ServiceProxyConfig.read("x", options("{\"upstream\": \"http://h\", \"alias\": \"taskcluster\"}")))
                .hasMessageContaining("taskclusterProxy");
        assertThatThrownBy(() -> ServiceProxyConfig.read("x", options("{\"upstream\": \"http://h\", \"headers\": {\"A\": {\"v\": \"secret-value\"}}}")))
                .hasMessageContaining("features.x.headers.A").hasMessageNotContaining("secret-value");
        assertThatThrownBy(() -> ServiceProxyConfig.read("x", options("{\"upstream\": \"http://h\", \"permissions\": [\"a\"]}")))
                .hasMessageContaining("permissionScopePrefix");
    }
}
