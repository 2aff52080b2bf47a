package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerAdditions;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.TaskNetwork;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs' own networks on a real engine: reachable by alias from the run, by nothing of another run. */
class TaskNetworkIT {

    private static final String WORKER_ID = "it-net-" + UUID.randomUUID().toString().substring(0, 8);
    private static final ResourceLimits LIMITS = new ResourceLimits(64L << 20, 500_000_000L, 64);

    private static DockerContainerRuntime runtime;
    private final List<String> containers = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();

    @BeforeAll
    static void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterAll
    static void close() throws Exception {
        if (runtime != null) runtime.close();
    }

    @AfterEach
    void cleanUp() {
        containers.forEach(runtime::removeContainer);
        networks.forEach(runtime::removeNetwork);
    }

    private TaskNetwork network(String run) {
        TaskNetwork n = runtime.createNetwork("berth-it-" + run + "-" + UUID.randomUUID().toString().substring(0, 8),
                labels(run));
        networks.add(n.id());
        return n;
    }

    private static Map<String, String> labels(String run) {
        return Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID, run,
                ContainerRuntime.LABEL_RUN_ID, "0");
    }

    private String start(String run, ContainerAdditions additions, String script) {
        String id = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("sh", "-c", script), Map.of(), labels(run),
                LIMITS, null, null, List.of(), HostAccess.NONE, additions));
        containers.add(id);
        runtime.startContainer(id);
        return id;
    }

    private static ContainerAdditions on(TaskNetwork network, List<String> aliases, Map<String, String> hosts) {
        return new ContainerAdditions(network.name(), aliases, hosts, List.of(), List.of(), List.of(), List.of());
    }

    /**
     * Runs {@code script} to its end and returns exit code and output. (A script must not end in busybox
     * {@code timeout}: the shell would exec it as PID 1, whose kill of itself the kernel ignores.)
     */
    private String run(String run, ContainerAdditions additions, String script) throws Exception {
        String id = start(run, additions, script);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStreamHandle h = runtime.followOutput(id, out::writeBytes)) {
            ContainerExit exit = runtime.awaitExit(id, Duration.ofSeconds(60)).orElseThrow();
            h.awaitEnd(Duration.ofSeconds(10));
            return exit.exitCode() + ":" + out.toString(StandardCharsets.UTF_8).strip();
        }
    }

    @Test
    void aSidecarIsReachableByAliasFromItsRunAndNotFromAnotherRun() throws Exception {
        TaskNetwork mine = network("mine");
        TaskNetwork other = network("other");
        start("mine", on(mine, List.of("svc"), Map.of()),
                "mkdir -p /www && echo hello-from-svc > /www/index.html && exec busybox httpd -f -p 8080 -h /www");
        String address = runtime.inspect(containers.get(0)).getNetworkSettings().getNetworks().get(mine.name()).getIpAddress();

        String fetch = "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 2 busybox wget -qO- http://%s:8080/ && exit 0; sleep 0.5; done; exit 1";
        assertThat(run("mine", on(mine, List.of(), Map.of()), fetch.formatted("svc"))).isEqualTo("0:hello-from-svc");
        assertThat(run("other", on(other, List.of(), Map.of()), "timeout 2 busybox wget -qO- http://svc:8080/; exit $?"))
                .doesNotStartWith("0:").contains("bad address");
        assertThat(run("other", on(other, List.of(), Map.of()), "timeout 3 busybox wget -qO- http://" + address + ":8080/; exit $?"))
                .doesNotStartWith("0:").doesNotContain("hello-from-svc");
    }

    @Test
    void aHostNameTheFeatureAddsPointsAtTheRunNetworksGateway() throws Exception {
        TaskNetwork mine = network("hosts");
        assertThat(mine.gateway()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");

        assertThat(run("hosts", on(mine, List.of(), Map.of("taskcluster", mine.gateway())), "grep -w taskcluster /etc/hosts"))
                .startsWith("0:" + mine.gateway());
    }

    @Test
    void theLeftoverCleanerRemovesTheWorkersNetworksExceptThoseOfRunsInProgress() {
        TaskNetwork running = network("running");
        TaskNetwork ended = network("ended");

        int removed = new LeftoverCleaner(runtime).removeLeftoverNetworks(WORKER_ID,
                labels -> "running".equals(labels.get(ContainerRuntime.LABEL_TASK_ID)));

        assertThat(removed).isEqualTo(1);
        List<String> left = runtime.listNetworks(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID)).stream()
                .map(TaskNetwork::name).toList();
        assertThat(left).containsExactly(running.name()).doesNotContain(ended.name());
        assertThat(runtime.listNetworks(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID)).get(0).labels())
                .containsEntry(ContainerRuntime.LABEL_MANAGED, "true");
    }
}
