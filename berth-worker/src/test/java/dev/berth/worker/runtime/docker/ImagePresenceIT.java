package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime remembers images it saw on the engine (so a run does not inspect its image again) only while the
 * engine's image events say none was removed: an image untagged or deleted behind its back (docker rmi, image
 * prune) is forgotten, and the next check asks the engine.
 */
class ImagePresenceIT {

    private static final String DOCKER_HOST =
            System.getenv().getOrDefault("BERTH_DOCKER_HOST", DockerRuntimeConfig.DEFAULT_HOST);

    private final String tag = "berth-test/presence-" + UUID.randomUUID().toString().substring(0, 8) + ":1";
    private DockerContainerRuntime runtime;

    @AfterEach
    void cleanUp() throws Exception {
        docker("rmi", tag);
        if (runtime != null) runtime.close();
    }

    @Test
    void anImageSeenOnceIsTrustedUntilTheEngineSaysAnImageWentThenAskedForAgain() throws Exception {
        runtime = DockerTestSupport.runtime();
        assertThat(docker("tag", TEST_IMAGE, tag)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(runtime::followsImageEvents);

        runtime.ensureImage(tag);
        assertThat(runtime.knownPresent(tag)).isTrue();

        // removed behind the runtime's back, as an operator's docker rmi or RegistryPullIT does
        assertThat(docker("rmi", tag)).isZero();

        await().atMost(Duration.ofSeconds(10)).until(() -> !runtime.knownPresent(tag));
        assertThat(runtime.imageExists(tag)).isFalse();
        // what is still there is asked for again and trusted again
        runtime.ensureImage(TEST_IMAGE);
        assertThat(runtime.knownPresent(TEST_IMAGE)).isTrue();
    }

    private static int docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", DOCKER_HOST);
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish within 60s");
        }
        return p.exitValue();
    }
}
