package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.VolumeSummary;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Docker adapter's named volumes (cache instances) against a real engine. */
class DockerVolumesIT {

    private static final String WORKER_ID = "it-volumes-" + UUID.randomUUID().toString().substring(0, 8);
    private static final Map<String, String> OURS = Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID);

    private static DockerContainerRuntime runtime;

    @BeforeAll
    static void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (runtime == null) return;
        runtime.listContainers(OURS).forEach(c -> runtime.removeContainer(c.id()));
        runtime.listVolumes(OURS).forEach(v -> runtime.removeVolume(v.name()));
        runtime.close();
    }

    private static String name(String what) {
        return "berth-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aVolumeIsListedByItsLabelsAndRemoved() {
        String name = name("listed");
        runtime.createVolume(name, Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, "dev.berth.cache.name", "level-3:objdir v2"));

        List<VolumeSummary> found = runtime.listVolumes(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID,
                "dev.berth.cache.name", "level-3:objdir v2"));
        assertThat(found).singleElement().satisfies(v -> {
            assertThat(v.name()).isEqualTo(name);
            assertThat(v.labels()).containsEntry(ContainerRuntime.LABEL_MANAGED, "true");
        });
        assertThat(runtime.listVolumes(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID + "-other"))).isEmpty();

        runtime.removeVolume(name);
        assertThat(runtime.listVolumes(OURS)).extracting(VolumeSummary::name).doesNotContain(name);
        runtime.removeVolume(name); // gone already is fine
    }

    @Test
    void aVolumeMountedByAContainerKeepsItsContentAndCannotBeRemovedUntilTheContainerIs() {
        String name = name("mounted");
        runtime.createVolume(name, OURS);
        ContainerSpec write = new ContainerSpec(TEST_IMAGE, List.of("sh", "-c", "echo kept > /cache/f"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID, "volumes-it",
                        ContainerRuntime.LABEL_RUN_ID, "0"),
                new ResourceLimits(64L << 20, 0, 64), null, null, List.of(new ContainerSpec.VolumeMount(name, "/cache", false)));
        String id = runtime.createContainer(write);
        runtime.startContainer(id);
        assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));

        assertThatThrownBy(() -> runtime.removeVolume(name)).isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining(name);

        String read = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("grep", "-q", "kept", "/cache/f"), Map.of(),
                write.labels(), write.limits(), null, null, write.volumes()));
        runtime.startContainer(read);
        assertThat(runtime.awaitExit(read, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));

        runtime.removeContainer(id);
        runtime.removeContainer(read);
        runtime.removeVolume(name);
        assertThat(runtime.listVolumes(OURS)).extracting(VolumeSummary::name).doesNotContain(name);
    }
}
