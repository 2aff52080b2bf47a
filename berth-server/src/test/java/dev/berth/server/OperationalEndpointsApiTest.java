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
