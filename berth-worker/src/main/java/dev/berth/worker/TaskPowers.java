package dev.berth.worker;

import dev.berth.core.BerthException;
import dev.berth.worker.capabilities.CapabilityPolicy;
import dev.berth.worker.secrets.WorkerKey;
import dev.berth.worker.secrets.WorkerSecrets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker's key, its secret values and its capability policy, from its configuration. */
public final class TaskPowers {

    private static final Logger LOG = LoggerFactory.getLogger(TaskPowers.class);

    private TaskPowers() {}

    /**
     * The worker's key: the configured file, or one generated in the data dir at first start. A
     * configured key that cannot be read stops the worker; a generated one that cannot be written
     * leaves it without (encryptedEnv is then refused, with the reason, in each task's log).
     */
    static WorkerSecrets secrets(WorkerConfig config) {
        Path file = config.privateKeyFile();
        boolean generated = file.equals(config.dataDir().resolve(WorkerKey.DEFAULT_FILE));
        WorkerKey key;
        try {
            key = generated ? WorkerKey.loadOrCreate(file, userId(config)) : WorkerKey.load(file);
        } catch (UncheckedIOException e) {
            if (!generated || Files.exists(file)) {
                throw BerthException.input("secrets.privateKeyFile (BERTH_WORKER_PRIVATE_KEY): " + e.getMessage());
            }
            LOG.warn("no OpenPGP key for encryptedEnv: {}; tasks with encryptedEnv will be refused", e.getMessage());
            key = null;
        }
        if (key != null) LOG.info("encryptedEnv key {} ({})", key.fingerprint(), file);
        return new WorkerSecrets(key, config.secretValues());
    }

    /**
     * The worker's key for {@code berth worker public-key}: the configured file, or the one in the
     * data dir (generated now when the worker has not made it yet).
     */
    public static WorkerKey key(WorkerConfig config) {
        Path file = config.privateKeyFile();
        try {
            return file.equals(config.dataDir().resolve(WorkerKey.DEFAULT_FILE))
                    ? WorkerKey.loadOrCreate(file, userId(config)) : WorkerKey.load(file);
        } catch (UncheckedIOException e) {
            throw BerthException.input("secrets.privateKeyFile (BERTH_WORKER_PRIVATE_KEY): " + e.getMessage());
        }
    }

    static String userId(WorkerConfig config) {
        return "Berth worker " + config.workerGroup() + "/" + config.workerId() + " (" + config.taskQueueId() + ")";
    }

    static CapabilityPolicy capabilities(WorkerConfig config, Predicate<Path> hostHas) {
        Predicate<Path> check = hostHas;
        if (check == null) {
            if (config.docker().dockerHost().startsWith("unix://")) {
                check = Files::exists;
            } else {
                check = p -> true;
                if (!config.capabilities().devices().isEmpty()) {
                    LOG.info("devices {} are not checked before a run: the Docker engine is remote ({})",
                            config.capabilities().devices().keySet(), config.docker().dockerHost());
                }
            }
        }
        if (config.capabilities().allowsAnything()) LOG.info("task capabilities allowed: {}", config.capabilities());
        return new CapabilityPolicy(config.capabilities(), check);
    }
}
