package dev.berth.worker.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.WorkerConfig;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.run.RecordingReporter;
import dev.berth.worker.run.RunOutcome;
import dev.berth.worker.run.TaskRunner;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ImageUnavailableException;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.RegistryCredentials;
import dev.berth.worker.runtime.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real pulls from a real registry: Debian's docker-registry on 127.0.0.1:5000 with htpasswd basic
 * auth, holding the test image as {@value #IMAGE} (both set up by scripts/test-registry.sh). Every
 * test first removes the local copy, so the engine really goes to the registry with the worker's
 * credentials. Fails, never skips, when the registry or the engine is missing.
 */
class RegistryPullIT {

    static final String REGISTRY = "127.0.0.1:5000";
    static final String USER = "berth";
    static final String PASSWORD = "berth-test";
    static final String IMAGE = REGISTRY + "/berth/pulltest:1";
    static final String MISSING_IMAGE = REGISTRY + "/berth/no-such-image:1";

    private static final String SETUP = "scripts/test-registry.sh (as root, after scripts/docker.sh and scripts/test-images.sh)";
    private static final String WORKER_ID = "it-pull-" + UUID.randomUUID().toString().substring(0, 8);
    private static final ResourceLimits LIMITS = new ResourceLimits(64L << 20, 500_000_000L, 64);
    private static final String DOCKER_HOST =
            System.getenv().getOrDefault("BERTH_DOCKER_HOST", DockerRuntimeConfig.DEFAULT_HOST);

    private static final List<DockerContainerRuntime> opened = new ArrayList<>();
    private static DockerContainerRuntime withCredentials;

    @BeforeAll
    static void registryAndEngine() throws Exception {
        // the engine and the source image first: their messages name the scripts that make them
        DockerTestSupport.runtime().close();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int anonymous;
        try {
            anonymous = get(http, "/v2/", null).statusCode();
        } catch (IOException e) {
            throw new AssertionError("No registry answers on http://" + REGISTRY + "/v2/ — start one with " + SETUP
                    + ". Cause: " + e, e);
        }
        assertThat(anonymous).as("http://%s/v2/ without credentials must ask for them (401): the pull tests need the"
                + " registry with basic auth that %s starts", REGISTRY, SETUP).isEqualTo(401);
        assertThat(get(http, "/v2/", USER + ":" + PASSWORD).statusCode())
                .as("user %s must be accepted by the registry on %s — set it up with %s", USER, REGISTRY, SETUP)
                .isEqualTo(200);
        assertThat(get(http, "/v2/berth/pulltest/manifests/1", USER + ":" + PASSWORD).statusCode())
                .as("%s must be in the registry — push it with %s", IMAGE, SETUP)
                .isEqualTo(200);
        withCredentials = runtime(List.of(new RegistryCredentials(REGISTRY, USER, PASSWORD)));
    }

    private static HttpResponse<Void> get(HttpClient http, String path, String userAndPassword)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + REGISTRY + path))
                .timeout(Duration.ofSeconds(5))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json");
        if (userAndPassword != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }

    private static DockerContainerRuntime runtime(List<RegistryCredentials> credentials) {
        DockerContainerRuntime runtime = new DockerContainerRuntime(
                new DockerRuntimeConfig(DOCKER_HOST, false, null, credentials, Duration.ofSeconds(60)));
        opened.add(runtime);
        return runtime;
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (withCredentials != null) new LeftoverCleaner(withCredentials).removeLeftovers(WORKER_ID);
        for (DockerContainerRuntime r : opened) r.close();
    }

    /** Each test starts without a local copy, so whatever it asks for must come from the registry. */
    @BeforeEach
    void noLocalCopy() throws Exception {
        removeLocalImage(IMAGE);
        removeLocalImage(MISSING_IMAGE);
        assertThat(isPresentLocally(IMAGE)).as("%s still present after docker rmi", IMAGE).isFalse();
    }

    private static void removeLocalImage(String image) throws Exception {
        // containers of this worker would hold the image
        if (withCredentials != null) new LeftoverCleaner(withCredentials).removeLeftovers(WORKER_ID);
        docker("rmi", "-f", image);
    }

    private static boolean isPresentLocally(String image) throws Exception {
        return docker("image", "inspect", image) == 0;
    }

    private static int docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // the CLI talks to the same engine as the runtime; its own config holds no registry login
        pb.environment().put("DOCKER_HOST", DOCKER_HOST);
        pb.environment().put("DOCKER_CONFIG", System.getProperty("java.io.tmpdir") + "/berth-registry-it-docker-config");
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish within 60s");
        }
        return p.exitValue();
    }

    private static RunOutcome runTask(DockerContainerRuntime runtime, String image, RecordingReporter reporter) {
        String payload = "{\"image\":\"" + image + "\",\"command\":[\"sh\",\"-c\",\"echo pulled\"],\"maxRunTime\":30}";
        return new TaskRunner(runtime, Fixtures.settings(WORKER_ID), new PayloadValidator(), Fixtures.run(payload), reporter).run();
    }

    @Test
    void theWorkersCredentialsPullTheImageAndItRuns() throws Exception {
        withCredentials.ensureImage(IMAGE);

        assertThat(isPresentLocally(IMAGE)).isTrue();
        String id = withCredentials.createContainer(new ContainerSpec(IMAGE, List.of("echo", "pulled"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID, "pull",
                        ContainerRuntime.LABEL_RUN_ID, "0"),
                LIMITS, null, null, List.of()));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            withCredentials.startContainer(id);
            try (OutputStreamHandle h = withCredentials.followOutput(id, out::writeBytes)) {
                assertThat(withCredentials.awaitExit(id, Duration.ofSeconds(30))).contains(new ContainerExit(0, false));
                assertThat(h.awaitEnd(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("pulled\n");
        } finally {
            withCredentials.removeContainer(id);
        }
    }

    @Test
    void aTaskNamingTheRegistryImageIsPulledAndCompletes() throws Exception {
        RecordingReporter reporter = new RecordingReporter();

        RunOutcome outcome = runTask(withCredentials, IMAGE, reporter);

        assertThat(outcome.resolution()).as(reporter.log()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(reporter.log()).contains("image " + IMAGE).contains("pulled\n").contains("[berth] exit code 0");
        assertThat(isPresentLocally(IMAGE)).isTrue();
    }

    @Test
    void credentialsFromTheWorkersConfigFileAreUsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("worker.yml");
        Files.writeString(file, "registries:\n  " + REGISTRY + ": {username: " + USER + ", password: " + PASSWORD + "}\n");
        WorkerConfig config = WorkerConfig.load(file, Map.of("BERTH_DOCKER_HOST", DOCKER_HOST, "BERTH_WORKER_ID", WORKER_ID));
        DockerContainerRuntime fromConfig = new DockerContainerRuntime(config.docker());
        opened.add(fromConfig);

        fromConfig.ensureImage(IMAGE);

        assertThat(isPresentLocally(IMAGE)).isTrue();
    }

    @Test
    void withoutCredentialsThePullIsRefusedAsUnavailable() {
        DockerContainerRuntime anonymous = runtime(List.of());

        assertThatThrownBy(() -> anonymous.ensureImage(IMAGE))
                .isInstanceOfSatisfying(ImageUnavailableException.class, e -> assertThat(e.doesNotExist())
                        .as("refused credentials are not a missing image: %s", e.getMessage()).isFalse())
                .hasMessageContaining("image " + IMAGE + " cannot be pulled");
    }

    @Test
    void wrongCredentialsAreRefusedAsUnavailable() {
        DockerContainerRuntime wrong = runtime(List.of(new RegistryCredentials(REGISTRY, USER, "not-the-password")));

        assertThatThrownBy(() -> wrong.ensureImage(IMAGE))
                .isInstanceOfSatisfying(ImageUnavailableException.class, e -> assertThat(e.doesNotExist())
                        .as("refused credentials are not a missing image: %s", e.getMessage()).isFalse())
                .hasMessageContaining("image " + IMAGE + " cannot be pulled");
    }

    @Test
    void credentialsForAnotherRegistryAreNotSent() {
        DockerContainerRuntime elsewhere = runtime(List.of(new RegistryCredentials("127.0.0.1:5001", USER, PASSWORD)));

        assertThatThrownBy(() -> elsewhere.ensureImage(IMAGE))
                .isInstanceOf(ImageUnavailableException.class)
                .hasMessageContaining("image " + IMAGE + " cannot be pulled");
    }

    @Test
    void aTaskWithRefusedCredentialsEndsResourceUnavailableWithTheReasonInItsLog() throws Exception {
        RecordingReporter reporter = new RecordingReporter();
        DockerContainerRuntime wrong = runtime(List.of(new RegistryCredentials(REGISTRY, USER, "not-the-password")));

        RunOutcome outcome = runTask(wrong, IMAGE, reporter);

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.EXCEPTION);
        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.RESOURCE_UNAVAILABLE);
        assertThat(reporter.resolutions).containsExactly("exception/resource-unavailable");
        assertThat(reporter.log()).contains("[berth] image " + IMAGE + " cannot be pulled");
        assertThat(isPresentLocally(IMAGE)).isFalse();
        assertThat(withCredentials.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID))).isEmpty();
    }

    @Test
    void anImageTheRegistryDoesNotHaveIsNotFound() {
        assertThatThrownBy(() -> withCredentials.ensureImage(MISSING_IMAGE))
                .isInstanceOfSatisfying(ImageUnavailableException.class, e -> assertThat(e.doesNotExist()).isTrue())
                .hasMessageContaining("image " + MISSING_IMAGE + " not found");
    }

    @Test
    void aTaskNamingAnImageTheRegistryDoesNotHaveIsMalformed() {
        RecordingReporter reporter = new RecordingReporter();

        RunOutcome outcome = runTask(withCredentials, MISSING_IMAGE, reporter);

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.EXCEPTION);
        assertThat(outcome.exceptionReason()).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("[berth] image " + MISSING_IMAGE + " not found");
    }
}
