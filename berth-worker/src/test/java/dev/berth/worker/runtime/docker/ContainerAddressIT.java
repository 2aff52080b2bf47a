package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerAdditions;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.TaskNetwork;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The task container's address on its run network, as the engine reports it and as the container sees itself. */
class ContainerAddressIT {

    private static final String WORKER_ID = "it-address-" + UUID.randomUUID().toString().substring(0, 8);

    private static DockerContainerRuntime runtime;

    @BeforeAll
    static void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (runtime == null) return;
        new LeftoverCleaner(runtime).removeLeftovers(WORKER_ID);
        runtime.close();
    }

    @Test
    void theAddressOnTheRunNetworkIsTheOneTheContainerHasThereAndNoneOnAnotherNetwork() throws Exception {
        Map<String, String> labels = Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID,
                "address", ContainerRuntime.LABEL_RUN_ID, "0");
        TaskNetwork network = runtime.createNetwork("berth-it-address-" + UUID.randomUUID().toString().substring(0, 8), labels);
        String id = null;
        try {
            ContainerAdditions additions = new ContainerAdditions(network.name(), List.of(), Map.of(), List.of(), List.of(),
                    List.of(), List.of());
            id = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("sh", "-c", "ip -4 -o addr show eth0; sleep 30"),
                    Map.of(), labels, new ResourceLimits(64L << 20, 500_000_000L, 64), null, null, List.of(),
                    HostAccess.NONE, additions));
            runtime.startContainer(id);
            String address = runtime.containerAddress(id, network.name()).orElseThrow();
            assertThat(address).matches("\\d+\\.\\d+\\.\\d+\\.\\d+").isNotEqualTo(network.gateway());
            assertThat(address.split("\\.")[0] + "." + address.split("\\.")[1])
                    .as("on the network's subnet (gateway %s)", network.gateway())
                    .isEqualTo(network.gateway().split("\\.")[0] + "." + network.gateway().split("\\.")[1]);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String container = id;
            var handle = runtime.followOutput(id, out::writeBytes);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> out.toString().contains("inet "));
            handle.close();
            assertThat(out.toString()).as("the container's own view").contains("inet " + address + "/");

            assertThat(runtime.containerAddress(container, "bridge-that-is-not-its")).isEmpty();
        } finally {
            if (id != null) runtime.removeContainer(id);
            runtime.removeNetwork(network.id());
        }
    }
}
