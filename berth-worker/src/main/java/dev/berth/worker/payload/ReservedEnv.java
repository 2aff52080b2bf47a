package dev.berth.worker.payload;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The environment variables the worker sets in every task container. A payload cannot override
 * them: tasks and the tools in their images rely on these to say truthfully which task, run and
 * worker they are, e.g. to fetch their own definition or to upload to the right run.
 *
 * <ul>
 *   <li>{@code TASK_ID}, {@code RUN_ID} — the run being executed (docker-worker's mandatory pair)</li>
 *   <li>{@code TASKCLUSTER_ROOT_URL} — the deployment's root URL, for Taskcluster clients</li>
 *   <li>{@code TASKCLUSTER_WORKER_TYPE}, {@code TASKCLUSTER_WORKER_GROUP}, {@code TASKCLUSTER_WORKER_ID}
 *       — the worker running the task</li>
 *   <li>{@code TASKCLUSTER_INSTANCE_TYPE}, {@code TASKCLUSTER_PUBLIC_IP},
 *       {@code TASKCLUSTER_WORKER_LOCATION} — the machine, where known</li>
 * </ul>
 *
 * A reserved name whose value the worker does not know is left unset, but a payload's value for it
 * is still dropped, so a task never sees a forged one.
 */
public final class ReservedEnv {

    public static final Set<String> NAMES = Set.of(
            "TASK_ID", "RUN_ID",
            "TASKCLUSTER_ROOT_URL",
            "TASKCLUSTER_WORKER_TYPE", "TASKCLUSTER_WORKER_GROUP", "TASKCLUSTER_WORKER_ID",
            "TASKCLUSTER_INSTANCE_TYPE", "TASKCLUSTER_PUBLIC_IP", "TASKCLUSTER_WORKER_LOCATION");

    private ReservedEnv() {}

    public static boolean isReserved(String name) {
        return NAMES.contains(name);
    }

    /**
     * The container's environment: the payload's variables minus every reserved name, then the
     * reserved values that are known (null or empty values are skipped).
     *
     * @param reserved values for reserved names; a key outside {@link #NAMES} is a programming error
     */
    public static Map<String, String> merge(Map<String, String> payloadEnv, Map<String, String> reserved) {
        Map<String, String> env = new LinkedHashMap<>();
        payloadEnv.forEach((name, value) -> {
            if (!isReserved(name)) env.put(name, value);
        });
        reserved.forEach((name, value) -> {
            if (!isReserved(name)) throw new IllegalArgumentException(name + " is not a reserved name");
            if (value != null && !value.isEmpty()) env.put(name, value);
        });
        return env;
    }
}
