package dev.berth.worker.run;

import dev.berth.worker.runtime.ResourceLimits;
import java.util.Objects;

/**
 * What a task runner needs to know about the worker it runs on.
 *
 * @param workerId this worker's id (also labelled on every container it creates)
 * @param workerGroup the worker's group
 * @param workerType the worker type (the second half of the task queue id)
 * @param rootUrl the deployment's root URL, given to tasks as TASKCLUSTER_ROOT_URL
 * @param instanceType the machine's instance type, or null
 * @param publicIp the machine's public IP, or null
 * @param limits limits for every task container
 */
public record WorkerSettings(
        String workerId,
        String workerGroup,
        String workerType,
        String rootUrl,
        String instanceType,
        String publicIp,
        ResourceLimits limits) {

    public WorkerSettings {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(workerGroup, "workerGroup");
        Objects.requireNonNull(workerType, "workerType");
        Objects.requireNonNull(limits, "limits");
    }
}
