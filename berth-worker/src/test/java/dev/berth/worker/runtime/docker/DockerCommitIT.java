package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ResourceLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code docker commit} through the Docker adapter, against a real engine. */
class DockerCommitIT {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String workerId = "it-commit-" + suffix;
    private final String repository = "berth-it/commit-" + suffix;
    private DockerContainerRuntime runtime;

    @BeforeEach
    void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterEach
    void cleanUp() throws Exception {
        runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).forEach(c -> runtime.removeContainer(c.id()));
        try {
            runtime.removeImage(repository + ":latest");
        } catch (ContainerRuntimeException e) {
            // a test that failed before committing
        }
        runtime.close();
    }

    private String runToExit(String image, String script) {
        String id = runtime.createContainer(new ContainerSpec(image, List.of("sh", "-c", script), Map.of("FROM_THE_RUN", "yes"),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId, ContainerRuntime.LABEL_TASK_ID, "commit-it",
                        ContainerRuntime.LABEL_RUN_ID, "0"),
                new ResourceLimits(64L << 20, 0, 64), null, null, List.of()));
        runtime.startContainer(id);
        assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));
        return id;
    }

    @Test
    void aStoppedContainerCommittedIsAnImageHoldingItsFilesWithTheGivenLabelsOverTheContainers() {
        String stopped = runToExit(TEST_IMAGE, "echo committed-" + suffix + " > /made-by-the-run");

        String imageId = runtime.commitContainer(stopped, repository, "latest",
                Map.of(ContainerRuntime.LABEL_WORKER_ID, "", "dev.berth.it.committed", "yes"));

        assertThat(imageId).startsWith("sha256:");
        assertThat(runtime.imageExists(repository + ":latest")).isTrue();
        String reader = runToExit(repository + ":latest", "grep -q committed-" + suffix + " /made-by-the-run && test \"$FROM_THE_RUN\" = yes");
        assertThat(runtime.inspect(reader).getConfig().getLabels()).containsEntry("dev.berth.it.committed", "yes");
        try (var docker = DockerClients.open(DockerRuntimeConfig.localDefault())) {
            Map<String, String> imageLabels = docker.inspectImageCmd(imageId).exec().getConfig().getLabels();
            // blanked: a container made from the image is no longer taken for one of the worker's own
            assertThat(imageLabels).containsEntry(ContainerRuntime.LABEL_WORKER_ID, "")
                    .containsEntry(ContainerRuntime.LABEL_TASK_ID, "commit-it");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void committingAContainerThatDoesNotExistIsRefused() {
        assertThatThrownBy(() -> runtime.commitContainer("berth-no-such-container-" + suffix, repository, "latest", Map.of()))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining("cannot commit container berth-no-such-container-" + suffix);
    }
}
