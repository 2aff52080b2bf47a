package dev.berth.worker.runtime.docker;

import dev.berth.worker.runtime.ImageUnavailableException;

/**
 * Shared setup of the {@code *IT} tests: a runtime on the local engine (or {@code BERTH_DOCKER_HOST}),
 * and the locally built test image. Fails, never skips, when either is missing: a green build must
 * mean the Docker side was exercised.
 */
public final class DockerTestSupport {

    /** Built by scripts/test-images.sh with `docker import`; no registry involved. */
    public static final String TEST_IMAGE = "berth-test/busybox:latest";

    private DockerTestSupport() {}

    public static DockerContainerRuntime runtime() {
        String host = System.getenv().getOrDefault("BERTH_DOCKER_HOST", DockerRuntimeConfig.DEFAULT_HOST);
        DockerContainerRuntime runtime = new DockerContainerRuntime(
                new DockerRuntimeConfig(host, false, null, java.util.List.of(), java.time.Duration.ofSeconds(30)));
        try {
            runtime.ping();
        } catch (RuntimeException e) {
            throw new AssertionError("No Docker engine answers at " + host
                    + " — start one with scripts/docker.sh (as root). Cause: " + e.getMessage(), e);
        }
        try {
            runtime.ensureImage(TEST_IMAGE);
        } catch (ImageUnavailableException e) {
            throw new AssertionError("Test image " + TEST_IMAGE + " is missing — build it with scripts/test-images.sh. "
                    + e.getMessage(), e);
        }
        return runtime;
    }

    /** Removes what a test's worker left on the engine (found by its worker id label), then closes the runtime. */
    public static void removeContainersAndClose(DockerContainerRuntime runtime, String workerId) throws java.io.IOException {
        if (runtime == null) return;
        runtime.listContainers(java.util.Map.of(dev.berth.worker.runtime.ContainerRuntime.LABEL_WORKER_ID, workerId))
                .forEach(c -> runtime.removeContainer(c.id()));
        runtime.close();
    }
}
