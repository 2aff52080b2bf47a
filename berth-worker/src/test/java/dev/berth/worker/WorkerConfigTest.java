package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaults() {
        WorkerConfig c = WorkerConfig.load(null, Map.of());
        assertThat(c.taskQueueId()).isEqualTo("local/docker");
        assertThat(c.provisionerId()).isEqualTo("local");
        assertThat(c.workerType()).isEqualTo("docker");
        assertThat(c.workerGroup()).isEqualTo("local");
        assertThat(c.workerId()).matches("[a-zA-Z0-9_-]{1,38}");
        assertThat(c.capacity()).isEqualTo(1);
        assertThat(c.docker().dockerHost()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(c.limits().memoryBytes()).isEqualTo(2L << 30);
        assertThat(c.limits().nanoCpus()).isZero();
        assertThat(c.minFreeDiskBytes()).isEqualTo(1L << 30);
        assertThat(c.rootUrl()).isNull();
        assertThat(c.metricsPort()).as("no inbound port unless asked for").isNull();
        assertThatThrownBy(c::requireQueueAccess).hasMessageContaining("BERTH_ROOT_URL");
    }

    @Test
    void metricsPortAndBindHostAreOptIn() {
        WorkerConfig c = WorkerConfig.load(null, Map.of("BERTH_WORKER_METRICS_PORT", "9464"));
        assertThat(c.metricsPort()).isEqualTo(9464);
        assertThat(c.metricsBindHost()).isEqualTo("127.0.0.1");
        c = WorkerConfig.load(null, Map.of("BERTH_WORKER_METRICS_PORT", "9464", "BERTH_WORKER_METRICS_BIND", "0.0.0.0"));
        assertThat(c.metricsBindHost()).isEqualTo("0.0.0.0");
        assertThat(c.withCapacity(3).metricsPort()).isEqualTo(9464);
    }

    @Test
    void fileThenEnvironment() throws Exception {
        Path file = dir.resolve("worker.yml");
        Files.writeString(file, """
                rootUrl: http://file:8080/
                credentials: {clientId: file-client, accessToken: file-token}
                taskQueueId: prov/type-a
                workerId: from-file
                capacity: 3
                docker: {host: "tcp://docker:2376", tlsVerify: true, certPath: /certs}
                registries:
                  registry.example.com:5000: {username: u, password: secret}
                limits: {memory: 512m, cpus: 1.5, pids: 100}
                minFreeDisk: 5g
                """);
        WorkerConfig c = WorkerConfig.load(file, Map.of(
                "TASKCLUSTER_ROOT_URL", "http://tc:1/", "TASKCLUSTER_ACCESS_TOKEN", "env-token",
                "BERTH_WORKER_CAPACITY", "4", "BERTH_WORKER_MEMORY", "2g", "BERTH_DATA_DIR", dir.toString(),
                "BERTH_WORKER_GROUP", " "));
        assertThat(c.rootUrl()).isEqualTo("http://tc:1");
        assertThat(c.clientId()).isEqualTo("file-client");
        assertThat(c.accessToken()).isEqualTo("env-token");
        assertThat(c.taskQueueId()).isEqualTo("prov/type-a");
        assertThat(c.workerGroup()).isEqualTo("local");
        assertThat(c.workerId()).isEqualTo("from-file");
        assertThat(c.capacity()).isEqualTo(4);
        assertThat(c.docker().dockerHost()).isEqualTo("tcp://docker:2376");
        assertThat(c.docker().tlsVerify()).isTrue();
        assertThat(c.docker().certPath()).isEqualTo(Path.of("/certs"));
        assertThat(c.docker().registries()).singleElement().satisfies(r -> {
            assertThat(r.registry()).isEqualTo("registry.example.com:5000");
            assertThat(r.password()).isEqualTo("secret");
        });
        assertThat(c.limits().memoryBytes()).isEqualTo(2L << 30);
        assertThat(c.limits().nanoCpus()).isEqualTo(1_500_000_000L);
        assertThat(c.limits().pidsLimit()).isEqualTo(100);
        assertThat(c.minFreeDiskBytes()).isEqualTo(5L << 30);
        assertThat(c.dataDir()).isEqualTo(dir.toAbsolutePath());
        assertThat(c.toString()).doesNotContain("env-token", "secret");
        c.requireQueueAccess();
        assertThat(c.workerSettings().workerType()).isEqualTo("type-a");
    }

    @Test
    void berthRootUrlWinsOverTaskclusterRootUrl() {
        WorkerConfig c = WorkerConfig.load(null, Map.of("BERTH_ROOT_URL", "http://b", "TASKCLUSTER_ROOT_URL", "http://t"));
        assertThat(c.rootUrl()).isEqualTo("http://b");
    }

    @Test
    void sizes() {
        assertThat(WorkerConfig.parseBytes("512m", "x")).isEqualTo(512L << 20);
        assertThat(WorkerConfig.parseBytes("2G", "x")).isEqualTo(2L << 30);
        assertThat(WorkerConfig.parseBytes("2GiB", "x")).isEqualTo(2L << 30);
        assertThat(WorkerConfig.parseBytes("1024", "x")).isEqualTo(1024);
        assertThat(WorkerConfig.parseBytes("10k", "x")).isEqualTo(10240);
    }

    @Test
    void hostNamesBecomeValidWorkerIds() {
        assertThat(WorkerConfig.sanitiseWorkerId("build-01.example.com")).isEqualTo("build-01");
        assertThat(WorkerConfig.sanitiseWorkerId("my host+1")).isEqualTo("my-host-1");
        assertThat(WorkerConfig.sanitiseWorkerId("x".repeat(50))).hasSize(38);
        assertThat(WorkerConfig.sanitiseWorkerId("")).isEqualTo("worker");
    }

    @Test
    void badSettingsAreNamed() {
        assertBad(Map.of("BERTH_WORKER_CAPACITY", "two"), "BERTH_WORKER_CAPACITY");
        assertBad(Map.of("BERTH_WORKER_CAPACITY", "0"), "capacity");
        assertBad(Map.of("BERTH_WORKER_MEMORY", "lots"), "BERTH_WORKER_MEMORY");
        assertBad(Map.of("BERTH_WORKER_MEMORY", "1k"), "BERTH_WORKER_MEMORY");
        assertBad(Map.of("BERTH_WORKER_CPUS", "-1"), "BERTH_WORKER_CPUS");
        assertBad(Map.of("BERTH_WORKER_MIN_FREE_DISK", "1x"), "BERTH_WORKER_MIN_FREE_DISK");
        assertBad(Map.of("BERTH_WORKER_METRICS_PORT", "http"), "BERTH_WORKER_METRICS_PORT");
        assertBad(Map.of("BERTH_WORKER_METRICS_PORT", "70000"), "BERTH_WORKER_METRICS_PORT");
        assertBad(Map.of("BERTH_TASK_QUEUE", "no-slash"), "BERTH_TASK_QUEUE");
        assertBad(Map.of("BERTH_WORKER_ID", "bad id"), "workerId");
        assertBad(Map.of("BERTH_DOCKER_HOST", "http://x"), "BERTH_DOCKER_HOST");
        assertBad(Map.of("BERTH_DOCKER_HOST", "tcp://x:2376", "BERTH_DOCKER_TLS_VERIFY", "true"), "cert path");
        assertBad(Map.of("BERTH_WORKER_ID", "ok", "TASKCLUSTER_ROOT_URL", "http://x"), null);
    }

    @Test
    void badFilesAreNamed() throws Exception {
        assertThatThrownBy(() -> WorkerConfig.load(dir.resolve("missing.yml"), Map.of())).hasMessageContaining("missing.yml");
        Path file = dir.resolve("bad.yml");
        Files.writeString(file, "registries:\n  r.example: {username: u}\n");
        assertThatThrownBy(() -> WorkerConfig.load(file, Map.of())).hasMessageContaining("registries.r.example");
        Files.writeString(file, "limits: [1, 2]\ncapacity: {a: 1}\n");
        assertThatThrownBy(() -> WorkerConfig.load(file, Map.of())).isInstanceOf(BerthException.class);
    }

    private static void assertBad(Map<String, String> env, String named) {
        if (named == null) {
            WorkerConfig.load(null, env);
            return;
        }
        assertThatThrownBy(() -> WorkerConfig.load(null, env)).isInstanceOf(BerthException.class).hasMessageContaining(named);
    }
}
