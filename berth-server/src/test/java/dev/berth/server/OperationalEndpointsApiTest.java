package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.SignedHttp;
import org.junit.jupiter.api.Test;

class OperationalEndpointsApiTest extends ServerTestSupport {

    @Test
    void healthzIsOk() {
        SignedHttp.Response r = anon.get("/healthz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("ok").asBoolean()).isTrue();
    }

    @Test
    void metricsArePrometheusTextWithBerthMetrics() {
        createTask(newQueue());
        SignedHttp.Response r = anon.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.text()).contains("berth_queue_tasks_submitted").contains("berth_http_requests");
    }

    @Test
    void metricsLabelRequestsByRouteAndCountClaimsResolutionsAndLiveLogBytes() {
        String queue = newQueue();
        String completed = createTask(queue);
        String crashed = createTask(queue);
        assertThat(claim(queue, 2)).hasSize(2);
        String before = anon.get("/metrics").text();

        var artifact = root.post(Q + "/task/" + completed + "/runs/0/artifacts/public/logs/live.log",
                json("storageType", "s3").put("contentType", "text/plain")
                        .put("expires", dev.berth.core.json.Json.format(java.time.Instant.now().plusSeconds(3600))));
        assertThat(artifact.status()).as(artifact.toString()).isEqualTo(200);
        byte[] log = "twelve bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(anon.send("POST", artifact.json().get("putUrl").asText(), log, "text/plain", java.util.Map.of()).status()).isEqualTo(200);
        assertThat(root.post(Q + "/task/" + completed + "/runs/0/completed", null).status()).isEqualTo(200);
        assertThat(root.post(Q + "/task/" + crashed + "/runs/0/exception", json("reason", "worker-shutdown")).status()).isEqualTo(200);
        String after = anon.get("/metrics").text();

        assertThat(after).contains("route=\"createTask\"").contains("route=\"claimWork\"").contains("route=\"reportCompleted\"")
                .doesNotContain("route=\"*\"");
        assertThat(value(after, "berth_queue_runs_claimed_total", "")).isGreaterThanOrEqualTo(2);
        assertThat(increase(before, after, "berth_queue_runs_resolved_total", "reason=\"completed\"")).isEqualTo(1);
        assertThat(increase(before, after, "berth_queue_runs_resolved_total", "reason=\"worker-shutdown\"")).isEqualTo(1);
        assertThat(increase(before, after, "berth_live_log_bytes_appended_total", "")).isEqualTo(log.length);
    }

    private static double increase(String before, String after, String name, String label) {
        return value(after, name, label) - value(before, name, label);
    }

    /** The sum of a Prometheus counter's samples whose labels contain {@code label}; 0 when there is none. */
    private static double value(String scrape, String name, String label) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void schemasAreServed() {
        SignedHttp.Response r = anon.get("/schemas/queue/v1/create-task-request.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("properties").has("taskQueueId")).isTrue();
        assertThat(anon.get("/schemas/queue/v1/nope.json").status()).isEqualTo(404);
    }

    @Test
    void queuePingAndUnknownEndpoints() {
        assertThat(anon.get(Q + "/ping").json().get("alive").asBoolean()).isTrue();
        SignedHttp.Response r = anon.get("/api/queue/v1/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("code").asText()).isNotBlank();
    }
}
