package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.secrets.WorkerKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker config keys of encryptedEnv and capabilities. */
class WorkerConfigSecretsTest {

    @TempDir
    Path tmp;

    @Test
    void theKeyIsInTheDataDirUnlessConfiguredAndCapabilitiesAreOffByDefault() {
        WorkerConfig cfg = WorkerConfig.load(null, Map.of("BERTH_DATA_DIR", tmp.toString(), "BERTH_WORKER_ID", "w1"));
        assertThat(cfg.privateKeyFile()).isEqualTo(tmp.resolve(WorkerKey.DEFAULT_FILE));
        assertThat(cfg.capabilities().allowsAnything()).isFalse();
    }

    @Test
    void theFileSetsTheKeyAndTheCapabilitiesAndTheEnvironmentWins() throws Exception {
        Path file = Files.writeString(tmp.resolve("worker.yaml"), """
                workerId: w1
                dataDir: %s
                secrets:
                  privateKeyFile: /etc/berth/key.asc
                capabilities:
                  privileged: true
                  devices: {kvm: true}
                registries:
                  registry.example: {username: u, password: the-registry-password}
                credentials: {clientId: c, accessToken: the-access-token}
                """.formatted(tmp));
        WorkerConfig cfg = WorkerConfig.load(file, Map.of());
        assertThat(cfg.privateKeyFile()).isEqualTo(Path.of("/etc/berth/key.asc"));
        assertThat(cfg.capabilities().privileged()).isTrue();
        assertThat(cfg.capabilities().devices()).containsOnlyKeys("kvm");
        assertThat(cfg.secretValues()).containsExactlyInAnyOrder("the-access-token", "the-registry-password");
        assertThat(cfg.toString()).doesNotContain("the-access-token").doesNotContain("the-registry-password");

        WorkerConfig over = WorkerConfig.load(file, Map.of("BERTH_WORKER_PRIVATE_KEY", tmp.resolve("k.asc").toString(),
                "BERTH_WORKER_ALLOW_PRIVILEGED", "false"));
        assertThat(over.privateKeyFile()).isEqualTo(tmp.resolve("k.asc"));
        assertThat(over.capabilities().privileged()).isFalse();
        assertThat(over.withCapacity(3).capabilities()).isEqualTo(over.capabilities());
    }

    @Test
    void aConfiguredKeyThatCannotBeReadStopsTheWorkerNamingTheSetting() {
        WorkerConfig cfg = WorkerConfig.load(null, Map.of("BERTH_DATA_DIR", tmp.toString(), "BERTH_WORKER_ID", "w1",
                "BERTH_WORKER_PRIVATE_KEY", tmp.resolve("missing.asc").toString()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskPowers.secrets(cfg))
                .hasMessageContaining("secrets.privateKeyFile (BERTH_WORKER_PRIVATE_KEY)");
    }
}
