package dev.berth.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.core.dockerworker.WorkerScopes;
import dev.berth.core.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * An in-process worker set up as an operator deploys one: a client of its own holding only a deployed worker's
 * scopes ({@link WorkerScopes}), made with {@code root}, and the worker started with it against {@code rootUrl}.
 */
public final class DeployedWorker {

    private DeployedWorker() {}

    public static Worker start(BerthClient root, String rootUrl, String taskQueueId, String workerGroup, String workerId,
                               int capacity, Path dataDir) {
        String clientId = "berth/workers/" + workerId;
        JsonNode created = root.auth().createClient(clientId, Map.of(
                "description", "a worker with a deployed worker's scopes",
                "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                "scopes", WorkerScopes.of(taskQueueId, workerGroup, workerId)));
        return Worker.builder(WorkerConfig.load(null, Map.of(
                "BERTH_ROOT_URL", rootUrl,
                "TASKCLUSTER_CLIENT_ID", clientId,
                "TASKCLUSTER_ACCESS_TOKEN", created.path("accessToken").asText(),
                "BERTH_TASK_QUEUE", taskQueueId,
                "BERTH_WORKER_GROUP", workerGroup,
                "BERTH_WORKER_ID", workerId,
                "BERTH_WORKER_CAPACITY", Integer.toString(capacity),
                "BERTH_WORKER_MEMORY", "256m",
                "BERTH_DATA_DIR", dataDir.toString(),
                "BERTH_WORKER_MIN_FREE_DISK", "0"))).timing(dev.berth.worker.TestTimings.SHORT_CLAIM_POLLS).start();
    }
}
