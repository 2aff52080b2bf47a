package dev.berth.worker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerTestSupport;
import dev.berth.worker.secrets.GnuPg;
import dev.berth.worker.secrets.SecretEncryptor;
import dev.berth.worker.secrets.SecretMessage;
import dev.berth.worker.secrets.WorkerKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * encryptedEnv and payload capabilities end to end: the real server, a worker on the credentials an
 * operator gives it (the README's worker scopes, not root), the real Docker engine. The log checked
 * is the one fetched from the server.
 */
class EncryptedEnvAndCapabilitiesIT {

    @TempDir
    Path tmp;

    private BerthServer server;
    private BerthClient root;
    private QueueClient queue;
    private Worker worker;
    private WorkerConfig workerConfig;
    private DockerContainerRuntime docker;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String taskQueueId = "berth-it/secrets-" + suffix;
    private final String workerGroup = "secrets";
    private final String workerId = "w-sec-" + suffix;
    /** Everything Berth itself logs while the test runs (at DEBUG), to look for secret values. */
    private final ListAppender<ILoggingEvent> berthLog = new ListAppender<>();
    private Logger berthLogger;
    private Level berthLevelBefore;

    @BeforeEach
    void start() {
        docker = DockerTestSupport.runtime();
        berthLogger = (Logger) LoggerFactory.getLogger("dev.berth");
        berthLevelBefore = berthLogger.getLevel();
        berthLogger.setLevel(Level.DEBUG);
        berthLog.start();
        berthLogger.addAppender(berthLog);
        server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                "BERTH_DATA_DIR", tmp.resolve("server").toString())), Clock.systemUTC());
        root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        queue = root.queue();
    }

    /** A worker as an operator deploys it, with {@code extraEnv} (BERTH_WORKER_ALLOW_PRIVILEGED, ...) in its settings. */
    private void startWorker(Map<String, String> extraEnv) {
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with the scopes the README names",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", List.of("queue:claim-work:" + taskQueueId, "queue:worker-id:" + workerGroup + "/" + workerId)));
        Map<String, String> env = new HashMap<>(Map.of(
                "BERTH_ROOT_URL", server.rootUrl(),
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", workerGroup,
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", tmp.resolve("worker").toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"));
        env.putAll(extraEnv);
        workerConfig = WorkerConfig.load(null, env);
        worker = Worker.builder(workerConfig).timing(TestTimings.SHORT_CLAIM_POLLS).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (server != null) server.close();
        berthLogger.detachAppender(berthLog);
        berthLogger.setLevel(berthLevelBefore);
        DockerTestSupport.removeContainersAndClose(docker, workerId);
    }

    private String createTask(String taskId, ObjectNode body) {
        queue.createTask(taskId, body);
        return taskId;
    }

    private static ObjectNode task(String taskQueueId, String script, String... scopes) {
        return TaskBodies.on(taskQueueId).image(TEST_IMAGE).shell(script).maxRunTime(120).scopes(scopes).build();
    }

    private JsonNode awaitResolved(String taskId) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String state = queue.status(taskId).path("status").path("runs").path(0).path("state").asText();
            return !state.isEmpty() && !state.equals("pending") && !state.equals("running");
        });
        return queue.status(taskId).path("status").path("runs").get(0);
    }

    private String log(String taskId) throws Exception {
        try (var in = queue.getArtifact(taskId, 0, "public/logs/live.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The worker's published key, as {@code berth worker public-key} prints it. */
    private String publicKey() {
        return TaskPowers.key(workerConfig).armoredPublicKey();
    }

    @Test
    void encryptedVariablesFromBerthAndFromGnuPgReachTheContainerAndAreMaskedEverywhere() throws Exception {
        startWorker(Map.of());
        String taskId = dev.berth.core.auth.Slugid.v4();
        String fromBerth = "berth-secret-" + UUID.randomUUID();
        String fromGpg = "gpg-secret-" + UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // berth secret encrypt's code, to the key berth worker public-key prints
        String berthEntry = SecretEncryptor.encrypt(WorkerKey.readPublicKey(publicKey().getBytes(StandardCharsets.US_ASCII)),
                new SecretMessage(1, taskId, now, now.plus(Duration.ofHours(1)), "FROM_BERTH", fromBerth));
        // GnuPG, to the same published key
        String gpgEntry = new GnuPg(tmp).encryptedEnvEntry(publicKey(),
                GnuPg.messageJson(taskId, now.toEpochMilli(), now.plus(Duration.ofHours(1)).toEpochMilli(), "FROM_GPG", fromGpg), true);
        // printed whole, then split in two writes half a second apart (two output chunks)
        ObjectNode body = task(taskQueueId, "echo \"berth=$FROM_BERTH\"; echo \"gpg=$FROM_GPG\";"
                + " printf 'split=%s' \"${FROM_BERTH:0:20}\"; sleep 1; printf '%s!\\n' \"${FROM_BERTH:20}\";"
                + " printf '%s' \"$FROM_BERTH\" | sha256sum; printf '%s' \"$FROM_GPG\" | sha256sum");
        ((ObjectNode) body.get("payload")).putArray("encryptedEnv").add(berthEntry).add(gpgEntry);
        createTask(taskId, body);

        JsonNode run = awaitResolved(taskId);
        String log = log(taskId);
        assertThat(run.path("state").asText()).as(log).isEqualTo("completed");
        // the values reached the container intact
        assertThat(log).contains(sha256(fromBerth)).contains(sha256(fromGpg));
        assertThat(log).contains("berth=[secret]\n").contains("gpg=[secret]\n").contains("split=[secret]!\n")
                .contains("encryptedEnv: FROM_BERTH, FROM_GPG decrypted");
        // nowhere a user or another task can read
        for (String value : List.of(fromBerth, fromGpg)) {
            assertThat(log).doesNotContain(value);
            assertThat(queue.status(taskId).toString()).doesNotContain(value);
            assertThat(queue.task(taskId).toString()).doesNotContain(value);
            assertThat(queue.listArtifacts(taskId, 0, null, null).toString()).doesNotContain(value);
            assertThat(List.copyOf(berthLog.list)).allSatisfy(e -> {
                assertThat(e.getFormattedMessage()).doesNotContain(value);
                if (e.getThrowableProxy() != null) assertThat(e.getThrowableProxy().getMessage()).doesNotContain(value);
            });
        }
    }

    @Test
    void aMessageForAnotherTaskAndOnePastItsWindowAreRefusedWithTheReason() throws Exception {
        startWorker(Map.of());
        var key = WorkerKey.readPublicKey(publicKey().getBytes(StandardCharsets.US_ASCII));
        String value = "never-shown-" + UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        String otherTask = dev.berth.core.auth.Slugid.v4();
        String forAnother = dev.berth.core.auth.Slugid.v4();
        ObjectNode a = task(taskQueueId, "echo should not run");
        ((ObjectNode) a.get("payload")).putArray("encryptedEnv").add(SecretEncryptor.encrypt(key,
                new SecretMessage(1, otherTask, now, now.plus(Duration.ofHours(1)), "TOKEN", value)));
        createTask(forAnother, a);

        String expired = dev.berth.core.auth.Slugid.v4();
        ObjectNode b = task(taskQueueId, "echo should not run");
        ((ObjectNode) b.get("payload")).putArray("encryptedEnv").add(SecretEncryptor.encrypt(key,
                new SecretMessage(1, expired, now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)), "TOKEN", value)));
        createTask(expired, b);

        JsonNode runA = awaitResolved(forAnother);
        assertThat(runA.path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(forAnother)).contains("encryptedEnv[0]: the message (variable 'TOKEN') is for task '" + otherTask
                + "', not this task " + forAnother).doesNotContain("should not run\n").doesNotContain(value);

        JsonNode runB = awaitResolved(expired);
        assertThat(runB.path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(expired)).contains("encryptedEnv[0]: the message (variable 'TOKEN') expired at").doesNotContain(value);
        assertThat(docker.listContainers(Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId))).isEmpty();
    }

    @Test
    void privilegedIsRefusedWhileTheWorkerConfigDoesNotAllowIt() throws Exception {
        startWorker(Map.of());
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = task(taskQueueId, "grep Cap /proc/self/status", "docker-worker:capability:privileged");
        ((ObjectNode) body.get("payload")).putObject("capabilities").put("privileged", true);
        createTask(taskId, body);

        assertThat(awaitResolved(taskId).path("reasonResolved").asText()).isEqualTo("malformed-payload");
        assertThat(log(taskId)).contains("capabilities.privileged: this worker does not run privileged tasks")
                .contains("BERTH_WORKER_ALLOW_PRIVILEGED");
    }

    @Test
    void privilegedRunsWithEveryCapabilityWhenTheWorkerConfigAllowsIt() throws Exception {
        startWorker(Map.of("BERTH_WORKER_ALLOW_PRIVILEGED", "true"));
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = task(taskQueueId, "grep -E '^Cap(Eff|Bnd)' /proc/self/status", "docker-worker:capability:privileged");
        ((ObjectNode) body.get("payload")).putObject("capabilities").put("privileged", true);
        createTask(taskId, body);

        JsonNode run = awaitResolved(taskId);
        String log = log(taskId);
        assertThat(log).contains("capabilities: privileged");
        String engineRefusal = engineRefusesPrivileged();
        if (engineRefusal == null) {
            assertThat(run.path("state").asText()).as(log).isEqualTo("completed");
            String capEff = field(log, "CapEff:");
            assertThat(capEff).isEqualTo(field(log, "CapBnd:"));
            // every capability, far beyond Docker's default set (00000000a80425fb)
            assertThat(Long.parseUnsignedLong(capEff, 16) & (1L << 21)).as("CAP_SYS_ADMIN in %s", capEff).isNotZero();
            assertThat(Long.bitCount(Long.parseUnsignedLong(capEff, 16))).isGreaterThan(36);
        } else {
            // an engine that cannot grant privileged mode at all (a nested dockerd short of capabilities):
            // the worker allowed it, the host cannot give it, so the run is the host's failure, not the task's
            System.out.println("this Docker engine cannot run privileged containers (" + engineRefusal
                    + "); checking the worker says so instead of CapEff");
            assertThat(run.path("reasonResolved").asText()).as(log).isEqualTo("resource-unavailable");
            assertThat(log).contains("the host cannot give what the task's capabilities ask");
        }
    }

    /** Null when this engine runs a privileged container, else its refusal. */
    private String engineRefusesPrivileged() {
        String id = docker.createContainer(new ContainerSpec(TEST_IMAGE, List.of("true"), Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, workerId), dev.berth.worker.run.Fixtures.LIMITS, null, null, List.of(),
                new HostAccess(true, false, List.of(), List.of())));
        try {
            docker.startContainer(id);
            return null;
        } catch (ContainerRuntimeException e) {
            return e.getMessage();
        } finally {
            docker.removeContainer(id);
        }
    }

    private static String field(String log, String name) {
        return log.lines().filter(l -> l.startsWith(name)).map(l -> l.substring(name.length()).trim()).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in the log:\n" + log));
    }

    @Test
    void anAllowedHostDeviceIsSharedWithTheTask() throws Exception {
        startWorker(Map.of("BERTH_WORKER_DEVICES", "hostSharedMemory"));
        String marker = "berth-it-" + suffix;
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = task(taskQueueId, "echo from-the-task > /dev/shm/" + marker,
                "docker-worker:capability:device:hostSharedMemory");
        ((ObjectNode) body.get("payload")).putObject("capabilities").putObject("devices").put("hostSharedMemory", true);
        createTask(taskId, body);
        try {
            JsonNode run = awaitResolved(taskId);
            assertThat(run.path("state").asText()).as(log(taskId)).isEqualTo("completed");
            assertThat(Files.readString(Path.of("/dev/shm", marker))).isEqualTo("from-the-task\n");
        } finally {
            Files.deleteIfExists(Path.of("/dev/shm", marker));
        }
    }

    @Test
    void aDeviceTheHostLacksEndsTheRunResourceUnavailableNamingIt() throws Exception {
        String missing = "/dev/berth-missing-kvm-" + suffix;
        startWorker(Map.of("BERTH_WORKER_DEVICES", "kvm=" + missing));
        String taskId = dev.berth.core.auth.Slugid.v4();
        ObjectNode body = task(taskQueueId, "ls -l /dev/kvm", "docker-worker:capability:device:kvm");
        ((ObjectNode) body.get("payload")).putObject("capabilities").putObject("devices").put("kvm", true);
        createTask(taskId, body);

        JsonNode run = awaitResolved(taskId);
        assertThat(run.path("state").asText()).isEqualTo("exception");
        assertThat(run.path("reasonResolved").asText()).isEqualTo("resource-unavailable");
        assertThat(log(taskId)).contains("device kvm is not available on this worker's host: " + missing + " does not exist");
    }
}
