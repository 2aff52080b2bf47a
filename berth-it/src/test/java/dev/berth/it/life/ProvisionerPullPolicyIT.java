package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pool's {@code pullPolicy} against a real registry (scripts/test-registry.sh: 127.0.0.1:5000, basic auth) with
 * a worker image that is only there. The provisioner pulls with the registry logins of its docker config
 * ({@code DOCKER_CONFIG}, as the docker CLI does). To see whether a start pulled, the registry's tag is moved to a
 * second build of the image after the first worker started: a start that pulls runs the second build.
 */
class ProvisionerPullPolicyIT extends ProvisionerFixture {

    private static final String REGISTRY = "127.0.0.1:5000";
    private static Path dockerConfig;
    private static String secondBuild;

    private String pushed;

    @BeforeAll
    static void registryLogin() throws Exception {
        HttpResponse<Void> v2 = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY + "/v2/"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(v2.statusCode()).as("the test registry on %s (scripts/test-registry.sh) asks for a login", REGISTRY).isEqualTo(401);
        dockerConfig = Files.createTempDirectory("berth-pull-it-docker-config");
        String auth = Base64.getEncoder().encodeToString("berth:berth-test".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dockerConfig.resolve("config.json"), "{\"auths\":{\"" + REGISTRY + "\":{\"auth\":\"" + auth + "\"}}}");
        // docker-java reads DOCKER_CONFIG from the system properties too: the provisioner's engines opened from now on
        System.setProperty("DOCKER_CONFIG", dockerConfig.toString());
        Path ctx = Files.createTempDirectory("berth-pull-it");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + workerImage + "\nLABEL dev.berth.test.build=second\n");
        secondBuild = "berth-test/pool-worker-second:" + LifeSupport.shortId();
        LifeSupport.Result built = LifeSupport.docker("build", "-q", "-t", secondBuild, ctx.toString());
        assertThat(built.exitCode()).as("docker build %s: %s", secondBuild, built).isZero();
        LifeSupport.run(new ProcessBuilder("rm", "-rf", ctx.toString()), Duration.ofMinutes(1));
    }

    @AfterAll
    static void forgetLogin() {
        System.clearProperty("DOCKER_CONFIG");
        if (dockerConfig != null) LifeSupport.run(new ProcessBuilder("rm", "-rf", dockerConfig.toString()), Duration.ofMinutes(1));
        if (secondBuild != null) LifeSupport.docker("rmi", "-f", secondBuild);
        // what the pulls left: images known only by this test's registry repository (its digest, no tag)
        for (String image : LifeSupport.docker("images", "-q", REGISTRY + "/berth-it/pool-worker").out().lines()
                .map(String::trim).filter(l -> !l.isEmpty()).distinct().toList()) {
            LifeSupport.docker("rmi", "-f", image);
        }
    }

    @AfterEach
    void untag() {
        if (pushed != null) LifeSupport.docker("rmi", pushed);
    }

    @Test
    void ifNotPresentPullsTheImageOnceAndItsWorkerRunsATask() throws Exception {
        ObjectNode config = poolOnlyInTheRegistry("if-not-present");
        Provisioner p = provisioner("ifnp");
        awaitStarted(p, 1);
        assertThat(p.imagesPulled()).as("the first start pulled the image").isEqualTo(1);
        assertThat(imageOf(p)).isEqualTo(imageId(workerImage));

        pushSecondBuild();
        String taskId = createTask("echo pulled worker");
        awaitCompleted(taskId);
        awaitStarted(p, 2); // idleTimeout 0: the first worker left after its task, min 1 starts the next
        assertThat(p.imagesPulled()).as("the image on the host serves the second start").isEqualTo(1);
        assertThat(imageOf(p)).as("not the registry's newer build").isEqualTo(imageId(workerImage));
        assertThat(server.workerPools().lastErrors(poolId, 5)).isEmpty();
    }

    @Test
    void alwaysPullsAtEachStartAndSoRunsTheRegistrysNewerBuild() throws Exception {
        poolOnlyInTheRegistry("always");
        Provisioner p = provisioner("always");
        awaitStarted(p, 1);
        assertThat(p.imagesPulled()).isEqualTo(1);
        assertThat(imageOf(p)).isEqualTo(imageId(workerImage));

        pushSecondBuild();
        String taskId = createTask("echo pulled worker");
        awaitCompleted(taskId);
        awaitStarted(p, 2);
        assertThat(p.imagesPulled()).as("the second start pulled again").isEqualTo(2);
        assertThat(imageOf(p)).as("the registry's newer build").isEqualTo(imageId(secondBuild));
        assertThat(server.workerPools().lastErrors(poolId, 5)).isEmpty();
    }

    @Test
    void neverReportsTheMissingImageOnThePoolWithoutPulling() throws Exception {
        poolOnlyInTheRegistry("never");
        Provisioner p = provisioner("never");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> !server.workerPools().lastErrors(poolId, 5).isEmpty());
        WorkerPoolError e = server.workerPools().lastErrors(poolId, 1).get(0);
        assertThat(e.kind()).isEqualTo("image-unavailable");
        assertThat(e.description()).contains(pushed).contains("pullPolicy is never");
        assertThat(p.imagesPulled()).isZero();
        assertThat(p.containersStarted()).isZero();
        assertThat(LifeSupport.docker("image", "inspect", pushed).exitCode()).as("%s was not pulled", pushed).isNotZero();
        assertThat(server.workerPools().counts(poolId).currentCapacity()).as("no worker was requested").isZero();
    }

    // ------------------------------------------------------------------------------------------------------

    /** A pool (min 1, one task per worker) whose image is pushed to the registry and then removed from this host. */
    private ObjectNode poolOnlyInTheRegistry(String pullPolicy) throws IOException {
        startServer(null, 1200);
        pushed = REGISTRY + "/berth-it/pool-worker:" + id;
        ok(LifeSupport.docker("tag", workerImage, pushed), "docker tag");
        ok(dockerWithLogin("push", "-q", pushed), "docker push " + pushed);
        ok(LifeSupport.docker("rmi", pushed), "docker rmi " + pushed);
        ObjectNode config = config(1, 1, 0);
        config.put("image", pushed).put("pullPolicy", pullPolicy);
        createPool(config);
        return config;
    }

    /** The registry's tag moves to the second build; this host's tag (if any) stays on the first. */
    private void pushSecondBuild() {
        ok(LifeSupport.docker("tag", secondBuild, pushed), "docker tag");
        ok(dockerWithLogin("push", "-q", pushed), "docker push the second build");
        ok(LifeSupport.docker("tag", workerImage, pushed), "docker tag back");
    }

    private static LifeSupport.Result dockerWithLogin(String... args) {
        ProcessBuilder pb = new ProcessBuilder(concat(List.of("docker", "--config", dockerConfig.toString()), args));
        return LifeSupport.run(pb, Duration.ofMinutes(3));
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> out = new java.util.ArrayList<>(head);
        out.addAll(List.of(tail));
        return out;
    }

    private void awaitStarted(Provisioner p, int starts) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!server.workerPools().lastErrors(poolId, 1).isEmpty()) {
                throw new AssertionError("pool error: " + server.workerPools().lastErrors(poolId, 1).get(0));
            }
            return p.containersStarted() >= starts && LifeSupport.containers(Provisioner.LABEL_POOL, poolId).size() == 1
                    && "running".equals(LifeSupport.containerState(LifeSupport.containers(Provisioner.LABEL_POOL, poolId).get(0)));
        });
        assertThat(p.containersStarted()).isEqualTo(starts);
    }

    private void awaitCompleted(String taskId) throws IOException {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus s = root.queue().taskStatus(taskId);
        assertThat(s.state()).as(LifeSupport.describe(s)).isEqualTo(TaskState.COMPLETED);
    }

    /** The image the pool's one container runs. */
    private String imageOf(Provisioner p) {
        List<String> containers = LifeSupport.containers(Provisioner.LABEL_POOL, poolId);
        assertThat(containers).hasSize(1);
        return LifeSupport.docker("inspect", "--format", "{{.Image}}", containers.get(0)).out().trim();
    }

    private static String imageId(String image) {
        return LifeSupport.docker("image", "inspect", "--format", "{{.Id}}", image).out().trim();
    }

    private static void ok(LifeSupport.Result r, String what) {
        assertThat(r.exitCode()).as("%s: %s", what, r).isZero();
    }
}
