package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.PathNotFoundException;
import dev.berth.worker.runtime.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Docker adapter against a real engine. */
class DockerContainerRuntimeIT {

    private static final String WORKER_ID = "it-runtime-" + UUID.randomUUID().toString().substring(0, 8);
    private static final ResourceLimits LIMITS = new ResourceLimits(64L << 20, 500_000_000L, 64);

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

    private static ContainerSpec spec(String taskId, String... command) {
        return new ContainerSpec(TEST_IMAGE, List.of(command), Map.of("GREETING", "hi"),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID, taskId,
                        ContainerRuntime.LABEL_RUN_ID, "0"),
                LIMITS, null, null, List.of());
    }

    @Test
    void aKillThroughTheEngineIsOnItsRecordAndAProcessKillingItselfIsNot() {
        java.time.Instant before = java.time.Instant.now();
        // the inner shell kills itself (PID 1 could not be killed from inside; not last, so the outer
        // shell does not exec it); the outer one exits with its status, 128 + 9
        String selfKilled = runtime.createContainer(spec("self-kill", "sh", "-c", "sh -c 'kill -9 $$'; exit $?"));
        String engineKilled = runtime.createContainer(spec("engine-kill", "sleep", "600"));
        try {
            runtime.startContainer(selfKilled);
            runtime.startContainer(engineKilled);
            assertThat(runtime.awaitExit(selfKilled, Duration.ofSeconds(30))).contains(new ContainerExit(137, false));
            // as an operator's docker kill, or the engine's own SIGKILL when it shuts down
            runtime.kill(engineKilled);
            assertThat(runtime.awaitExit(engineKilled, Duration.ofSeconds(30))).contains(new ContainerExit(137, false));

            assertThat(runtime.stoppedThroughEngine(selfKilled, before)).isFalse();
            assertThat(runtime.stoppedThroughEngine(engineKilled, before)).isTrue();
        } finally {
            runtime.removeContainer(selfKilled);
            runtime.removeContainer(engineKilled);
        }
    }

    @Test
    void containersCarryLabelsAndSecurityDefaults() {
        String id = runtime.createContainer(spec("labels", "true"));
        try {
            InspectContainerResponse inspect = runtime.inspect(id);
            assertThat(inspect.getConfig().getLabels()).containsAllEntriesOf(Map.of(
                    "dev.berth.worker-id", WORKER_ID, "dev.berth.task-id", "labels", "dev.berth.run-id", "0",
                    "dev.berth.managed", "true"));
            var host = inspect.getHostConfig();
            assertThat(host.getPrivileged()).isFalse();
            assertThat(host.getSecurityOpts()).contains("no-new-privileges");
            assertThat(host.getPidsLimit()).isEqualTo(64L);
            assertThat(host.getMemory()).isEqualTo(64L << 20);
            assertThat(host.getMemorySwap()).isEqualTo(64L << 20);
            assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
            assertThat(host.getCapDrop()).extracting(Enum::name).contains("NET_RAW", "MKNOD");
            assertThat(inspect.getConfig().getEnv()).contains("GREETING=hi");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void noNewPrivilegesIsInForceInsideTheContainer() throws Exception {
        String id = runtime.createContainer(spec("nnp", "sh", "-c", "grep NoNewPrivs /proc/self/status"));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            runtime.startContainer(id);
            try (OutputStreamHandle h = runtime.followOutput(id, out::writeBytes)) {
                assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));
                assertThat(h.awaitEnd(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).matches("(?s)NoNewPrivs:\\s+1\\s*");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void exitCodeAndStdoutStderrBothArrive() throws Exception {
        String id = runtime.createContainer(spec("exit", "sh", "-c", "echo out; echo err >&2; exit 7"));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            runtime.startContainer(id);
            try (OutputStreamHandle h = runtime.followOutput(id, out::writeBytes)) {
                assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(7, false));
                assertThat(h.awaitEnd(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("out\n").contains("err\n");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void awaitExitTimesOutOnARunningContainerAndKillStopsIt() {
        String id = runtime.createContainer(spec("kill", "sleep", "60"));
        try {
            runtime.startContainer(id);
            assertThat(runtime.awaitExit(id, Duration.ofMillis(300))).isEmpty();
            runtime.kill(id);
            Optional<ContainerExit> exit = runtime.awaitExit(id, Duration.ofSeconds(10));
            assertThat(exit).contains(new ContainerExit(137, false));
            runtime.kill(id); // not running any more: no error
        } finally {
            runtime.removeContainer(id);
            runtime.removeContainer(id); // gone already: no error
        }
    }

    @Test
    void copyOutAFileAsTarAndMissingPathsAreNamed() throws Exception {
        String id = runtime.createContainer(spec("copy", "sh", "-c", "echo content > /tmp/f.txt"));
        try {
            runtime.startContainer(id);
            runtime.awaitExit(id, Duration.ofSeconds(30));
            try (InputStream in = runtime.copyFromContainer(id, "/tmp/f.txt");
                 TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry entry = tar.getNextEntry();
                assertThat(entry.getName()).isEqualTo("f.txt");
                assertThat(new String(tar.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("content\n");
            }
            assertThatThrownBy(() -> runtime.copyFromContainer(id, "/no/such/path"))
                    .isInstanceOf(PathNotFoundException.class)
                    .hasMessageContaining("/no/such/path");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void presentImageNeedsNoPullAndUnknownImageSaysSo() {
        runtime.ensureImage(TEST_IMAGE);
        assertThatThrownBy(() -> runtime.ensureImage("berth-test/does-not-exist:nope"))
                .isInstanceOf(ImageUnavailableException.class)
                .hasMessageContaining("berth-test/does-not-exist:nope")
                .hasMessageMatching("(?s).*(not found|cannot be pulled).*");
    }

    @Test
    void leftoversOfThisWorkerAreRemovedByLabelAndOthersKept() {
        String otherWorker = WORKER_ID + "-other";
        String mine1 = runtime.createContainer(spec("left-1", "true"));
        String mine2 = runtime.createContainer(spec("left-2", "sleep", "60"));
        runtime.startContainer(mine2);
        String theirs = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("true"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, otherWorker), LIMITS, null, null, List.of()));
        try {
            assertThat(runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID)))
                    .extracting(ContainerSummary::id).contains(mine1, mine2).doesNotContain(theirs);

            int removed = new LeftoverCleaner(runtime).removeLeftovers(WORKER_ID);

            assertThat(removed).isGreaterThanOrEqualTo(2);
            assertThat(runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID))).isEmpty();
            assertThat(runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, otherWorker)))
                    .extracting(ContainerSummary::id).containsExactly(theirs);
        } finally {
            runtime.removeContainer(theirs);
        }
    }
}
