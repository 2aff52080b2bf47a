package dev.berth.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.TaskRequests;
import dev.berth.core.task.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The first thing a new user runs: server and worker in one process, then a sample task whose live log is shown.
 * The launcher script makes sure a Docker engine answers and a small local image exists before this starts.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Start Berth (server + worker, embedded database), run a sample task and show its live log.")
final class QuickstartCommand extends DevCommand {

    @Option(names = "--image", description = "Image of the sample task (default ${DEFAULT-VALUE}).", defaultValue = "berth/busybox:latest")
    String image;

    @Option(names = "--exit", description = "Stop after the sample task instead of keeping Berth running.")
    boolean exitAfterSample;

    @Override
    public Integer call() throws InterruptedException {
        Running running = startBoth();
        try {
            System.out.println("Berth is up at " + running.server().rootUrl() + "; running a sample task in a fresh container...");
            BerthClient client = new BerthClient(running.server().rootUrl(),
                    new Credentials(running.server().rootClientId(), running.server().rootAccessToken()));
            String taskId = Slugid.nice();
            client.queue().createTask(taskId, sampleTask(running.workerConfig().taskQueueId()));
            System.out.println("task " + taskId + " — live log:");
            System.out.println("----------------------------------------------------------------");
            LogFollower.copy(client, taskId, null, TaskCommand.LIVE_LOG, Duration.ofMinutes(2), System.out);
            System.out.println("----------------------------------------------------------------");
            TaskStatus status = waitResolved(client, taskId);
            System.out.println("task " + taskId + " " + status.state().wire() + " in a container that is gone now.");
            System.out.println();
            printWelcome(running);
            if (exitAfterSample) {
                running.close();
                return status.state() == dev.berth.core.task.TaskState.COMPLETED ? 0 : 1;
            }
            System.out.println("Berth keeps running; stop it with Ctrl-C.");
        } catch (RuntimeException e) {
            running.close();
            throw e;
        }
        awaitShutdown(running);
        return 0;
    }

    private ObjectNode sampleTask(String taskQueueId) {
        return TaskRequests.task(
                TaskRequests.dockerPayload(image, List.of("sh", "-c",
                        "echo \"Hello from Berth: task $TASK_ID, run $RUN_ID\"; uname -a; "
                                + "for i in 1 2 3; do echo \"step $i of 3\"; sleep 1; done; echo done"), 120, null),
                new TaskRequests.Defaults(taskQueueId, Instant.now(), Duration.ofHours(1), "Berth quickstart sample",
                        "prints a greeting and three steps", "quickstart@localhost", "berth quickstart"));
    }

    private static TaskStatus waitResolved(BerthClient client, String taskId) throws InterruptedException {
        while (true) {
            TaskStatus s = client.queue().taskStatus(taskId);
            if (s.state().isResolved()) return s;
            Thread.sleep(100);
        }
    }
}
