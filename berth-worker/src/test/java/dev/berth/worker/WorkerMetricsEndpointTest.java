package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerMetricsEndpointTest {

    private static final String PAYLOAD = "{\"image\":\"busybox\",\"command\":[\"sleep\",\"600\"],\"maxRunTime\":600}";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private final FakeWorkQueue queue = new FakeWorkQueue();
    private final HeldContainerRuntime runtime = new HeldContainerRuntime();
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) worker.close();
    }

    private WorkerConfig config(Integer metricsPort) {
        return new WorkerConfig("http://berth.test", null, null, "test-prov/test-type", "test-group", "w1", 1,
                DockerRuntimeConfig.localDefault(), Fixtures.LIMITS, dataDir, 0, null, null, metricsPort, null);
    }

    private Worker start(WorkerBuilder builder) {
        worker = builder.queue(queue).runtime(runtime).timing(WorkerTest.FAST).freeDisk(() -> Long.MAX_VALUE).start();
        return worker;
    }

    @Test
    void metricsPortServesTheWorkersCountersAsPrometheusTextAndTheyMoveWhenCallsFail() throws Exception {
        start(Worker.builder(config(0)));
        InetSocketAddress at = worker.metricsAddress().orElseThrow();
        assertThat(at.getAddress().isLoopbackAddress()).as("bound to 127.0.0.1 by default").isTrue();
        String metrics = "http://127.0.0.1:" + at.getPort() + "/metrics";

        HttpResponse<String> first = get(metrics);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        assertThat(value(first.body(), "berth_worker_call_retries_total")).isZero();
        assertThat(value(first.body(), "berth_worker_live_log_dropped_bytes_total")).isZero();
        assertThat(value(first.body(), "berth_worker_status_poll_failures_total")).isZero();
        assertThat(value(first.body(), "berth_worker_reclaim_failures_total")).isZero();
        assertThat(first.body()).doesNotContain("_created");

        // the queue fails the first three reclaims and every status poll of a running task
        queue.claimLength = Duration.ofMillis(2000);
        queue.reclaimFailuresLeft.set(3);
        queue.statusUnreachable = true;
        ClaimedRun run = Fixtures.run(PAYLOAD);
        queue.pending.add(run);

        await().atMost(Duration.ofSeconds(10)).until(() -> value(get(metrics).body(), "berth_worker_reclaim_failures_total") == 3
                && value(get(metrics).body(), "berth_worker_status_poll_failures_total") >= 1);
        assertThat(value(get(metrics).body(), "berth_worker_status_poll_failures_total"))
                .isEqualTo(worker.counters().statusPollFailures());
        runtime.exit(run.taskId(), 0);
        await().until(() -> queue.reporter(run.taskId()).resolutions.contains("completed"));

        assertThat(get("http://127.0.0.1:" + at.getPort() + "/other").statusCode()).isEqualTo(404);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(metrics)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);

        worker.close();
        assertThat(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(metrics)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())).as("the port is closed with the worker").failsWithin(Duration.ofSeconds(10));
    }

    @Test
    void noMetricsPortUnlessOneIsSet() {
        start(Worker.builder(config(null)));
        assertThat(worker.metricsAddress()).isEmpty();
    }

    @Test
    void aRegistryGivenToTheBuilderGetsTheCountersAndNoPortIsOpened() {
        SimpleMeterRegistry host = new SimpleMeterRegistry();
        queue.statusUnreachable = true;
        start(Worker.builder(config(0)).meterRegistry(host));
        assertThat(worker.metricsAddress()).isEmpty();
        queue.pending.add(Fixtures.run(PAYLOAD));
        await().atMost(Duration.ofSeconds(10)).until(() -> host.counter("berth_worker_status_poll_failures").count() >= 1);
        assertThat(host.find("berth_worker_call_retries").counter()).isNotNull();
        assertThat(host.find("berth_worker_live_log_dropped_bytes").counter()).isNotNull();
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A sample without labels; fails when the scrape does not have it. */
    static double value(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not in the scrape:\n" + scrape));
    }
}
