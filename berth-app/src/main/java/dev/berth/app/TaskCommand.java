package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.client.BerthClient;
import dev.berth.core.BerthException;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskRequests;
import dev.berth.core.task.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "task", mixinStandardHelpOptions = true, description = "Create, inspect and follow tasks.",
        subcommands = {TaskCommand.Create.class, TaskCommand.Status.class, TaskCommand.Log.class, TaskCommand.Wait.class,
                TaskCommand.Cancel.class, TaskCommand.Rerun.class, ShellCommand.class})
final class TaskCommand implements Runnable {

    static final String LIVE_LOG = "public/logs/live.log";

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a task from a JSON/YAML definition, or from an image and a command:",
                    "  berth task create --image berth/busybox:latest -- sh -c 'echo hi'"})
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client;

        @Option(names = {"-f", "--file"}, description = "Task definition (JSON or YAML); missing fields get defaults.")
        Path file;

        @Option(names = "--image", description = "Docker image to run (with a command after --).")
        String image;

        @Option(names = {"-q", "--queue"}, description = "Task queue id (default ${DEFAULT-VALUE}).", defaultValue = "local/docker")
        String taskQueueId;

        @Option(names = "--name", description = "Task name (metadata.name).")
        String name;

        @Option(names = "--max-run-time", description = "Seconds before the container is killed (default ${DEFAULT-VALUE}).", defaultValue = "3600")
        int maxRunTime;

        @Option(names = {"-e", "--env"}, description = "Environment variable NAME=VALUE for the task (repeatable).")
        Map<String, String> env;

        @Option(names = "--task-id", description = "Task id to use (default: a new slugid).")
        String taskId;

        @Parameters(description = "The command and its arguments (after --).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            ObjectNode task;
            if (file != null) {
                task = readDefinition(file);
            } else {
                if (image == null || command.isEmpty()) {
                    throw BerthException.input("give a definition with --file, or --image IMAGE -- command args");
                }
                task = Json.MAPPER.createObjectNode();
                task.set("payload", TaskRequests.dockerPayload(image, command, maxRunTime, env));
            }
            TaskRequests.fillDefaults(task, new TaskRequests.Defaults(taskQueueId, Instant.now(), Duration.ofDays(1),
                    name != null ? name : describe(task), "created with berth task create",
                    System.getProperty("user.name", "berth") + "@localhost", "berth-cli"));
            String id = taskId != null ? taskId : Slugid.nice();
            BerthClient c = client.client();
            JsonNode status = c.queue().createTask(id, task).get("status");
            System.out.println(id);
            System.err.println("created task " + id + " (" + status.path("state").asText() + ") on "
                    + task.get("taskQueueId").asText() + "; follow it with: berth task log -f " + id);
            return 0;
        }

        private ObjectNode readDefinition(Path path) throws IOException {
            if (!Files.isRegularFile(path)) throw BerthException.input("no such file: " + path);
            JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
            if (node == null || !node.isObject()) throw BerthException.input(path + " must hold a task definition object");
            return (ObjectNode) Json.MAPPER.readTree(Json.write(node));
        }

        private static String describe(ObjectNode task) {
            JsonNode cmd = task.path("payload").path("command");
            List<String> parts = new ArrayList<>();
            cmd.forEach(p -> parts.add(p.asText()));
            String s = String.join(" ", parts);
            return s.isEmpty() ? "task" : (s.length() > 200 ? s.substring(0, 200) : s);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a task's state and runs.")
    static final class Status implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;
        @Option(names = "--json", description = "Print the status JSON as the API returns it.") boolean json;

        @Override
        public Integer call() {
            JsonNode status = client.client().queue().status(taskId);
            if (json) {
                System.out.println(status.toPrettyString());
                return 0;
            }
            TaskStatus s = Json.MAPPER.convertValue(status.get("status"), TaskStatus.class);
            System.out.println(s.taskId() + "  " + s.state().wire() + "  queue " + s.taskQueueId() + "  retries left " + s.retriesLeft());
            for (Run r : s.runs()) {
                System.out.println("  run " + r.runId() + ": " + r.state().wire()
                        + (r.reasonResolved() != null ? "/" + r.reasonResolved().wire() : "")
                        + " (" + r.reasonCreated().wire() + ")"
                        + (r.workerId() != null ? " on " + r.workerGroup() + "/" + r.workerId() : "")
                        + (r.resolved() != null ? " resolved " + Json.format(r.resolved()) : ""));
            }
            return 0;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = "Print a task's log; with -f, wait for it to start and follow it live until the run ends.")
    static final class Log implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;
        @Option(names = {"-f", "--follow"}, description = "Wait for the run to start and follow the live log.") boolean follow;
        @Option(names = "--run", description = "Run id (default: the latest).") Integer runId;
        @Option(names = "--name", description = "Log artifact name (default ${DEFAULT-VALUE}).", defaultValue = LIVE_LOG) String name;

        @Override
        public Integer call() throws InterruptedException {
            Duration wait = follow ? Duration.ofDays(3650) : Duration.ZERO;
            if (!LogFollower.copy(client.client(), taskId, runId, name, wait, System.out)) {
                System.err.println("task " + taskId + " ended without a log");
                return 1;
            }
            return 0;
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = {"Wait until a task is resolved. Exit code: 0 completed, 1 failed, 2 exception, 3 timed out."})
    static final class Wait implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;
        @Option(names = "--timeout", description = "Give up after this many seconds (default: no limit).") Long timeoutSeconds;

        @Override
        public Integer call() throws InterruptedException {
            BerthClient c = client.client();
            Instant giveUp = timeoutSeconds == null ? Instant.MAX : Instant.now().plusSeconds(timeoutSeconds);
            while (true) {
                TaskStatus s = Json.MAPPER.convertValue(c.queue().status(taskId).get("status"), TaskStatus.class);
                if (s.state().isResolved()) {
                    Run last = s.latestRun().orElseThrow();
                    System.out.println(taskId + " " + s.state().wire()
                            + (last.reasonResolved() != null ? " (" + last.reasonResolved().wire() + ")" : ""));
                    return exitCode(s.state());
                }
                if (Instant.now().isAfter(giveUp)) {
                    System.out.println(taskId + " still " + s.state().wire() + " after " + timeoutSeconds + "s");
                    return 3;
                }
                Thread.sleep(200);
            }
        }

        static int exitCode(TaskState state) {
            return switch (state) {
                case COMPLETED -> 0;
                case FAILED -> 1;
                default -> 2;
            };
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a task (its container is stopped).")
    static final class Cancel implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;

        @Override
        public Integer call() {
            System.out.println(taskId + " " + client.client().queue().cancelTask(taskId).path("status").path("state").asText());
            return 0;
        }
    }

    @Command(name = "rerun", mixinStandardHelpOptions = true, description = "Run a resolved task again.")
    static final class Rerun implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;

        @Override
        public Integer call() {
            System.out.println(taskId + " " + client.client().queue().rerunTask(taskId).path("status").path("state").asText());
            return 0;
        }
    }
}
