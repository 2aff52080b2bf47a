package dev.berth.worker.runtime.docker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.EngineUnavailableException;
import dev.berth.worker.runtime.ResourceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter when no engine listens at all: every call says the engine is unavailable, none hangs. */
class DockerContainerRuntimeUnreachableTest {

    @TempDir
    Path dir;

    private DockerContainerRuntime runtime;

    @AfterEach
    void close() throws Exception {
        if (runtime != null) runtime.close();
    }

    private DockerContainerRuntime nowhere() {
        runtime = new DockerContainerRuntime(new DockerRuntimeConfig("unix://" + dir.resolve("no-engine.sock"), false, null,
                List.of(), Duration.ofSeconds(5)));
        return runtime;
    }

    @Test
    void everyCallSaysTheEngineIsUnavailable() {
        DockerContainerRuntime r = nowhere();
        assertThatThrownBy(r::ping).isInstanceOf(EngineUnavailableException.class).hasMessageContaining("does not answer");
        assertThatThrownBy(() -> r.createContainer(new ContainerSpec("busybox", List.of("true"), Map.of(), Map.of(),
                new ResourceLimits(64L << 20, 0, 64), null, null, List.of())))
                .isInstanceOf(EngineUnavailableException.class).hasMessageContaining("went away");
        assertThatThrownBy(() -> r.startContainer("c1")).isInstanceOf(EngineUnavailableException.class);
        assertThatThrownBy(() -> r.awaitExit("c1", Duration.ofSeconds(5))).isInstanceOf(EngineUnavailableException.class);
        assertThatThrownBy(() -> r.listContainers(Map.of())).isInstanceOf(EngineUnavailableException.class);
        assertThatThrownBy(() -> r.removeContainer("c1")).isInstanceOf(EngineUnavailableException.class);
        assertThatThrownBy(() -> r.ensureImage("busybox:latest")).isInstanceOf(EngineUnavailableException.class);
        // asking whether the engine stopped a container: an engine that does not answer is going away
        assertThatThrownBy(() -> r.stoppedThroughEngine("c1", java.time.Instant.now()))
                .isInstanceOf(EngineUnavailableException.class);
    }
}
