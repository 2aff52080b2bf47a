package dev.berth.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.json.Json;
import dev.berth.worker.capabilities.CapabilityConfig;
import dev.berth.worker.capabilities.CapabilityPolicy;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.HostAccess;
import dev.berth.worker.secrets.SecretEncryptor;
import dev.berth.worker.secrets.SecretMessage;
import dev.berth.worker.secrets.WorkerKey;
import dev.berth.worker.secrets.WorkerSecrets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** encryptedEnv, masking and capabilities as the runner applies them (fake engine; the *IT use the real one). */
class TaskRunnerSecretsTest {

    private static final PayloadValidator VALIDATOR = new PayloadValidator();
    private static final WorkerKey KEY = WorkerKey.generate("Berth worker test/w1");
    private static final String VALUE = "s3cr3t-from-encryptedEnv";
    private static final String REGISTRY_PASSWORD = "registry-pa55word";

    private final FakeContainerRuntime runtime = new FakeContainerRuntime();
    private final RecordingReporter reporter = new RecordingReporter();
    private CapabilityPolicy policy = new CapabilityPolicy(CapabilityConfig.NONE, p -> false);

    /** The task's scopes allow every capability: what is tested here is the worker's own config and host. */
    private static final List<String> CAPABILITY_SCOPES = List.of("docker-worker:capability:*");

    private RunOutcome run(ClaimedRun claimed) {
        return new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, claimed, reporter)
                .secrets(new WorkerSecrets(KEY, List.of(REGISTRY_PASSWORD)))
                .capabilities(policy)
                .run();
    }

    private static String entry(String taskId, String name, Instant end) {
        return SecretEncryptor.encrypt(KEY.publicKeyRing(),
                new SecretMessage(1, taskId, Instant.now().minusSeconds(5), end, name, VALUE));
    }

    private static ClaimedRun withEncryptedEnv(String taskIdInMessage, Instant end) {
        String taskId = Fixtures.taskId();
        var payload = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(
                "{\"image\":\"img\",\"command\":[\"sh\"],\"maxRunTime\":10,\"env\":{\"PLAIN\":\"p\"}}");
        payload.putArray("encryptedEnv").add(entry(taskIdInMessage == null ? taskId : taskIdInMessage, "SECRET_TOKEN", end));
        return new ClaimedRun(taskId, 0, Fixtures.run(payload).task());
    }

    @Test
    void aDecryptedVariableReachesTheContainerAndIsMaskedInTheLog() {
        runtime.output = "token is " + VALUE + "; registry password " + REGISTRY_PASSWORD + "\n";
        RunOutcome outcome = run(withEncryptedEnv(null, Instant.now().plusSeconds(600)));

        assertThat(outcome.resolution()).isEqualTo(RunOutcome.Resolution.COMPLETED);
        ContainerSpec spec = runtime.created.get(0);
        assertThat(spec.env()).containsEntry("SECRET_TOKEN", VALUE).containsEntry("PLAIN", "p");
        assertThat(reporter.log()).contains("token is [secret]; registry password [secret]")
                .contains("encryptedEnv: SECRET_TOKEN decrypted").doesNotContain(VALUE).doesNotContain(REGISTRY_PASSWORD);
        assertThat(spec.toString()).contains("SECRET_TOKEN").doesNotContain(VALUE);
    }

    @Test
    void aMessageForAnotherTaskIsRefusedWithTheReasonAndNothingStarts() {
        run(withEncryptedEnv("otherTaskIdAAAAAAAAAAA", Instant.now().plusSeconds(600)));

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("encryptedEnv refused").contains("is for task 'otherTaskIdAAAAAAAAAAA'")
                .doesNotContain(VALUE);
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void anExpiredMessageIsRefused() {
        run(withEncryptedEnv(null, Instant.now().minusSeconds(1)));

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("expired at").doesNotContain(VALUE);
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void privilegedWithoutTheWorkerAllowingItIsMalformedPayloadNamingTheSwitch() {
        run(Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10,\"capabilities\":{\"privileged\":true}}", CAPABILITY_SCOPES));

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("capabilities.privileged").contains("BERTH_WORKER_ALLOW_PRIVILEGED");
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void allowedCapabilitiesReachTheContainerSpec() {
        policy = new CapabilityPolicy(new CapabilityConfig(true, false, Map.of("kvm", Path.of("/dev/kvm"))),
                Set.of(Path.of("/dev/kvm"))::contains);
        run(Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10,\"capabilities\":{\"privileged\":true,\"devices\":{\"kvm\":true}}}", CAPABILITY_SCOPES));

        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(runtime.created.get(0).hostAccess()).isEqualTo(
                new HostAccess(true, false, List.of(new HostAccess.Device("/dev/kvm", "/dev/kvm")), List.of()));
    }

    @Test
    void aDeviceTheHostLacksIsResourceUnavailableNamingIt() {
        policy = new CapabilityPolicy(new CapabilityConfig(false, false, Map.of("kvm", Path.of("/dev/kvm"))), p -> false);
        run(Fixtures.run("{\"image\":\"img\",\"maxRunTime\":10,\"capabilities\":{\"devices\":{\"kvm\":true}}}", CAPABILITY_SCOPES));

        assertThat(reporter.resolutions).containsExactly("exception/resource-unavailable");
        assertThat(reporter.log()).contains("device kvm is not available on this worker's host: /dev/kvm does not exist");
        assertThat(runtime.created).isEmpty();
    }
}
