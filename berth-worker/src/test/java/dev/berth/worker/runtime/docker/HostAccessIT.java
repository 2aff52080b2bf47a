package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.runtime.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A spec's {@link HostAccess} as the real engine applies it, and the confinement it leaves alone. */
class HostAccessIT {

    private static final String WORKER_ID = "it-hostaccess-" + UUID.randomUUID().toString().substring(0, 8);
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

    private static String run(HostAccess access, String script) throws Exception {
        String id = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("sh", "-c", script), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID), LIMITS, null, null, List.of(), access));
        try {
            runtime.startContainer(id);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var follow = runtime.followOutput(id, b -> out.writeBytes(b))) {
                assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).isPresent();
                follow.awaitEnd(Duration.ofSeconds(10));
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void seccompIsOnByDefaultAndOffOnlyWhenAsked() throws Exception {
        // Seccomp: 2 = a filter applies, 0 = none
        assertThat(run(HostAccess.NONE, "grep ^Seccomp: /proc/self/status")).contains("Seccomp:\t2");
        assertThat(run(new HostAccess(false, true, List.of(), List.of()), "grep ^Seccomp: /proc/self/status"))
                .contains("Seccomp:\t0");
    }

    @Test
    void aDeviceAndAHostPathAreThereOnlyWhenGranted() throws Exception {
        // /dev/null of the host stands in for a device every host has
        HostAccess access = new HostAccess(false, false, List.of(new HostAccess.Device("/dev/null", "/dev/berth-test-device")),
                List.of(new HostAccess.Bind("/dev/shm", "/mnt/host-shm")));
        String script = "[ -c /dev/berth-test-device ] && echo device-present; [ -d /mnt/host-shm ] && echo bind-present;"
                + " grep -q ' /mnt/host-shm ' /proc/self/mountinfo && echo mounted; echo done";
        assertThat(run(access, script)).contains("device-present").contains("bind-present").contains("mounted");
        assertThat(run(HostAccess.NONE, script)).doesNotContain("present").contains("done");
    }

    @Test
    void theConfinementStaysForEveryAccessButPrivileged() throws Exception {
        var inspect = runtime.inspect(runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("true"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID), LIMITS, null, null, List.of(),
                new HostAccess(false, true, List.of(), List.of()))));
        try {
            assertThat(inspect.getHostConfig().getPrivileged()).isFalse();
            assertThat(inspect.getHostConfig().getSecurityOpts()).contains("no-new-privileges", "seccomp=unconfined");
            assertThat(inspect.getHostConfig().getCapDrop()).isNotEmpty();
        } finally {
            runtime.removeContainer(inspect.getId());
        }
        var privileged = runtime.inspect(runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("true"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID), LIMITS, null, null, List.of(),
                new HostAccess(true, false, List.of(), List.of()))));
        try {
            assertThat(privileged.getHostConfig().getPrivileged()).isTrue();
            assertThat(privileged.getHostConfig().getSecurityOpts()).doesNotContain("no-new-privileges");
        } finally {
            runtime.removeContainer(privileged.getId());
        }
    }
}
