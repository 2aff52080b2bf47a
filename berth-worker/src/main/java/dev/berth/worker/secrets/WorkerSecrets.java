package dev.berth.worker.secrets;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * What a task runner needs to handle secrets: the worker's key (to decrypt {@code encryptedEnv}),
 * and the values of the worker's own configuration that are secret (its access token, registry
 * passwords), masked in every task log like the decrypted ones.
 *
 * @param key the worker's key, or null: every {@code encryptedEnv} entry is then refused
 * @param configuredValues secret values from the worker's configuration
 */
public record WorkerSecrets(WorkerKey key, List<String> configuredValues) {

    /** No key and nothing to mask. */
    public static final WorkerSecrets NONE = new WorkerSecrets(null, List.of());

    public WorkerSecrets {
        configuredValues = configuredValues.stream().filter(Objects::nonNull).filter(v -> !v.isEmpty()).toList();
    }

    public EncryptedEnv encryptedEnv(Clock clock) {
        return new EncryptedEnv(key, clock);
    }

    /** Leaves the values out. */
    @Override
    public String toString() {
        return "WorkerSecrets[key=" + (key == null ? "none" : key.fingerprint()) + ", configuredValues="
                + configuredValues.size() + "]";
    }
}
