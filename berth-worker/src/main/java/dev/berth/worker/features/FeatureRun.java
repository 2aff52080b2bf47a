package dev.berth.worker.features;

import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.RunReporter;
import dev.berth.worker.run.WorkerSettings;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.TaskNetwork;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * What a feature knows of the run it serves.
 *
 * @param run the claimed task and run id
 * @param payload the checked payload
 * @param claim the claim, whose credentials follow every reclaim; null when the worker runs without a queue client
 * @param settings the worker's identity and root URL
 * @param runtime the engine the task runs on
 * @param network the run's own network, or null when no feature of the run needs one
 * @param reporter where artifacts go (secret values masked)
 * @param log writes a worker line into the task log
 * @param clock the worker's clock
 */
public record FeatureRun(
        ClaimedRun run,
        DockerPayload payload,
        WorkClaim claim,
        WorkerSettings settings,
        ContainerRuntime runtime,
        TaskNetwork network,
        RunReporter reporter,
        Consumer<String> log,
        Clock clock) {

    public String taskId() {
        return run.taskId();
    }

    public int runId() {
        return run.runId();
    }
}
