package dev.berth.core.dockerworker;

import java.util.List;

/**
 * The scopes a deployed worker's own client holds, in one place (`berth client create-worker` and
 * `berth dev` make the client with them). Everything about a run it claims is signed with the run's
 * credentials instead (see {@code RunScopes}).
 *
 * <ul>
 *   <li>{@code queue:claim-work:<taskQueueId>} and {@code queue:worker-id:<group>/<id>}: claiming;
 *   <li>{@code queue:claim-task:<taskQueueId>}: claiming the tasks of its queue a superseder lists (claimTask);
 *   <li>{@code auth:expand-scopes}: expanding a task's scopes through roles for the docker-worker scope
 *       check (asked only when a task's scopes as given lack something its payload needs);
 *   <li>{@code purge-cache:purge-requests::<taskQueueId>}: the purge-cache requests for its pool (the
 *       worker pool id is the task queue id), polled before each run that uses a cache.
 * </ul>
 */
public final class WorkerScopes {

    private WorkerScopes() {}

    public static List<String> of(String taskQueueId, String workerGroup, String workerId) {
        return List.of("queue:claim-work:" + taskQueueId,
                "queue:claim-task:" + taskQueueId,
                "queue:worker-id:" + workerGroup + "/" + workerId,
                "auth:expand-scopes",
                "purge-cache:purge-requests::" + taskQueueId);
    }
}
