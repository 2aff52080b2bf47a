package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ResourceLimits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The adapter's image load on the engine's unix socket (large HTTP chunks, not docker-java's transport). */
class DockerImageLoadIT {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String workerId = "it-load-" + suffix;
    private final String repository = "berth-it/load-" + suffix;
    private DockerContainerRuntime runtime;

    @BeforeEach
    void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterEach
    void cleanUp() throws Exception {
        runtime.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId)).forEach(c -> runtime.removeContainer(c.id()));
        if (runtime.imageExists(repository + ":latest")) runtime.removeImage(repository + ":latest");
        runtime.close();
    }

    /** A saved image of a few MiB (more than one 1 MiB chunk), gone from the engine. */
    private byte[] savedImage() throws IOException {
        String id = runtime.createContainer(new ContainerSpec(TEST_IMAGE, List.of("sh", "-c", "head -c 3000000 /dev/urandom > /blob"),
                Map.of(), Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId), new ResourceLimits(64L << 20, 0, 64), null, null, List.of()));
        runtime.startContainer(id);
        assertThat(runtime.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));
        runtime.commitContainer(id, repository, "latest", Map.of());
        byte[] tar;
        try (InputStream in = runtime.saveImage(repository + ":latest")) {
            tar = in.readAllBytes();
        }
        runtime.removeImage(repository + ":latest");
        assertThat(runtime.imageExists(repository + ":latest")).isFalse();
        return tar;
    }

    @Test
    void aSavedImageOfSeveralChunksLoadsBack() throws IOException {
        byte[] tar = savedImage();
        assertThat(tar.length).isGreaterThan(2 * UnixSocketImageLoad.CHUNK);

        runtime.loadImage(new ByteArrayInputStream(tar));

        assertThat(runtime.imageExists(repository + ":latest")).isTrue();
    }

    @Test
    void aBodyThatIsNoImageIsRefusedWithTheEnginesReason() {
        byte[] text = "no image here\n".repeat(5000).getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> runtime.loadImage(new ByteArrayInputStream(text)))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageNotContaining("went away")
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    @Test
    void aSourceThatFailsMidwayIsTheSourcesFailureAndLoadsNothing() throws IOException {
        byte[] tar = savedImage();
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(tar, 0, tar.length / 2), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the queue's connection broke");
            }
        });

        assertThatThrownBy(() -> runtime.loadImage(broken)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("the queue's connection broke");
        assertThat(runtime.imageExists(repository + ":latest")).isFalse();
    }
}
