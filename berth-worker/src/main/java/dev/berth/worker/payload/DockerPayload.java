package dev.berth.worker.payload;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A docker-worker v1 payload that passed {@link PayloadValidator}. Collections are never null.
 *
 * @param maxRunTimeSeconds how long the command may run before it is killed
 * @param retryExitCodes exit codes that resolve the run exception/intermittent-task
 * @param purgeCacheExitCodes exit codes after which the task's caches are purged
 * @param caches cache name → mount path
 * @param features feature name → enabled
 * @param log artifact name of the task log
 */
public record DockerPayload(
        ImageSpec image,
        List<String> command,
        Map<String, String> env,
        long maxRunTimeSeconds,
        List<ArtifactSpec> artifacts,
        Set<Integer> retryExitCodes,
        Set<Integer> purgeCacheExitCodes,
        Map<String, String> caches,
        Capabilities capabilities,
        Map<String, Boolean> features,
        List<String> encryptedEnv,
        String supersederUrl,
        String log) {

    public static final String DEFAULT_LOG = "public/logs/live.log";

    public DockerPayload {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        artifacts = List.copyOf(artifacts);
        retryExitCodes = Set.copyOf(retryExitCodes);
        purgeCacheExitCodes = Set.copyOf(purgeCacheExitCodes);
        caches = Map.copyOf(caches);
        features = Map.copyOf(features);
        encryptedEnv = List.copyOf(encryptedEnv);
        if (log == null) log = DEFAULT_LOG;
    }

    /** What the task asks beyond the default container confinement; each needs a scope. */
    public record Capabilities(boolean privileged, boolean disableSeccomp, Map<String, Boolean> devices) {
        public static final Capabilities NONE = new Capabilities(false, false, Map.of());

        public Capabilities {
            devices = Map.copyOf(devices);
        }
    }
}
