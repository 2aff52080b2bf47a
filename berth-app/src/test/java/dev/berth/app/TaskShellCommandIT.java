package dev.berth.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskRequests;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code berth task shell} against {@code berth dev} wired in-process (its worker holds a deployed worker's scopes):
 * a command's output and exit code, and a shell fed from a pipe (no terminal, so no TTY).
 */
class TaskShellCommandIT {

    @TempDir
    Path tmp;

    @Test
    void theShellCommandRunsACommandInTheTaskAndExitsWithItsCodeAndAShellReadsPipedInput() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String queue = "berth-it/shell-cli-" + suffix;
        Path config = tmp.resolve("berth.yaml");
        Files.writeString(config, "dataDir: " + tmp.resolve("data") + "\n"
                + "workerId: shell-cli-" + suffix + "\n"
                + "taskQueueId: " + queue + "\n"
                + "minFreeDisk: 0\n"
                + "metricsPort: 0\n");
        DevCommand devCommand = new DevCommand();
        devCommand.config = config;
        devCommand.port = 0;
        try (DevCommand.Running running = devCommand.startBoth()) {
            BerthClient root = new BerthClient(running.server().rootUrl(),
                    new Credentials(running.server().rootClientId(), running.server().rootAccessToken()));
            Path clientConfig = tmp.resolve("client.json");
            Files.writeString(clientConfig, Json.write(Map.of("rootUrl", running.server().rootUrl(), "credentials",
                    Map.of("clientId", running.server().rootClientId(), "accessToken", running.server().rootAccessToken()))));
            String taskId = dev.berth.core.auth.Slugid.v4();
            ObjectNode payload = TaskRequests.dockerPayload("berth-test/busybox:latest", List.of("sleep", "120"), 300, Map.of());
            ObjectNode task = TaskRequests.task(payload, new TaskRequests.Defaults(queue, Instant.now().truncatedTo(ChronoUnit.MILLIS),
                    Duration.ofHours(1), "shell CLI test", "a task made by a Berth test", "tests@berth.dev", "https://berth.dev/tests"));
            ((ObjectNode) task.get("payload")).putObject("features").put("interactive", true);
            root.queue().createTask(taskId, task);
            try {
                awaitUntil(Duration.ofSeconds(60), () -> root.get("berth", "/shell/" + taskId + "/0").path("workerConnected").asBoolean());

                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int code = shell(clientConfig, "", out, err, taskId, "--", "sh", "-c", "echo hi from the task; echo oops >&2; exit 3");
                assertThat(code).isEqualTo(3);
                assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi from the task\n");
                assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("oops\n");

                ByteArrayOutputStream piped = new ByteArrayOutputStream();
                code = shell(clientConfig, "echo from a pipe in $(hostname); exit 5\n", piped, new ByteArrayOutputStream(),
                        taskId, "--run", "0");
                assertThat(code).isEqualTo(5);
                assertThat(piped.toString(StandardCharsets.UTF_8)).startsWith("from a pipe in ");
            } finally {
                root.queue().cancelTask(taskId);
            }
        }
    }

    private static int shell(Path clientConfig, String stdin, ByteArrayOutputStream out, ByteArrayOutputStream err,
                             String... args) {
        ShellCommand cmd = new ShellCommand();
        cmd.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        cmd.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        String[] all = new String[args.length + 2];
        all[0] = "--client-config";
        all[1] = clientConfig.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return new CommandLine(cmd).execute(all);
    }

    private static void awaitUntil(Duration limit, BooleanSupplier condition) throws InterruptedException {
        Instant giveUp = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(giveUp)) throw new AssertionError("not within " + limit);
            Thread.sleep(200);
        }
    }
}
