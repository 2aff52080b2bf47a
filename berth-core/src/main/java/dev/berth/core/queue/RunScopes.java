package dev.berth.core.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * The scopes of a run's temporary credentials, handed to the worker with every claim and reclaim:
 * the one list of what a worker may do about a run it holds (as Taskcluster's queue keeps its
 * {@code task-creds}).
 *
 * <ul>
 *   <li>the task's own scopes (the worker checks them and passes them on to what the task uses);
 *   <li>{@code queue:reclaim-task}, {@code queue:resolve-task} and {@code queue:create-artifact} for
 *       this run only, so the credentials cannot act on any other task or run;
 *   <li>{@code queue:status:<taskId>}: the worker polls its run's status to stop the container
 *       within seconds of a cancelTask, signed with these credentials;
 *   <li>{@code assume:anonymous}: what anyone may do without credentials (the anonymous role), so a task's
 *       calls through the taskcluster proxy, restricted to the task's scopes, may read what Taskcluster lets
 *       every request read (its own definition, public artifacts).
 * </ul>
 */
public final class RunScopes {

    private RunScopes() {}

    public static List<String> of(String taskId, int runId, List<String> taskScopes) {
        String run = taskId + "/" + runId;
        List<String> scopes = new ArrayList<>(taskScopes);
        scopes.add("queue:reclaim-task:" + run);
        scopes.add("queue:resolve-task:" + run);
        scopes.add("queue:create-artifact:" + run);
        scopes.add("queue:status:" + taskId);
        scopes.add("assume:anonymous");
        return List.copyOf(scopes);
    }
}
