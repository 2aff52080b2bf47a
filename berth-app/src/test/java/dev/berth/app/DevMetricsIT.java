package dev.berth.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth dev} wired in-process as the command wires it: the worker's counters are in the server's /metrics. */
class DevMetricsIT {

    @TempDir
    Path tmp;

    @Test
    void theWorkersCountersAreInTheServersMetrics() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path config = tmp.resolve("berth.yaml");
        // a worker id of its own: the worker removes containers an earlier life of its id left behind
        Files.writeString(config, "dataDir: " + tmp.resolve("data") + "\n"
                + "workerId: dev-metrics-" + suffix + "\n"
                + "taskQueueId: berth-it/dev-metrics-" + suffix + "\n"
                + "minFreeDisk: 0\n"
                + "metricsPort: 0\n");
        DevCommand dev = new DevCommand();
        dev.config = config;
        dev.port = 0;
        try (DevCommand.Running running = dev.startBoth()) {
            assertThat(running.worker().metricsAddress()).as("no second port in berth dev").isEmpty();
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(running.server().rootUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body().lines())
                    .contains("berth_worker_call_retries_total 0.0", "berth_worker_live_log_dropped_bytes_total 0.0",
                            "berth_worker_status_poll_failures_total 0.0", "berth_worker_reclaim_failures_total 0.0")
                    .anyMatch(l -> l.startsWith("berth_http_requests"));
        }
    }
}
