package dev.berth.app;

import dev.berth.client.BerthClient;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "artifact", mixinStandardHelpOptions = true, description = "Fetch and list task artifacts.",
        subcommands = {ArtifactCommand.Get.class, ArtifactCommand.List.class})
final class ArtifactCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Download an artifact to a file or standard output.")
    static final class Get implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "TASK_ID") String taskId;
        @Parameters(index = "1", paramLabel = "NAME", description = "e.g. public/logs/live.log") String name;
        @Option(names = "--run", description = "Run id (default: the latest).") Integer runId;
        @Option(names = {"-o", "--output"}, description = "File to write (default: standard output).") Path output;

        @Override
        public Integer call() throws Exception {
            BerthClient c = client.client();
            if (output != null) {
                if (runId == null) c.queue().downloadLatestArtifact(taskId, name, output);
                else c.queue().downloadArtifact(taskId, runId, name, output);
                System.err.println("wrote " + output);
                return 0;
            }
            try (InputStream in = runId == null ? c.queue().getLatestArtifact(taskId, name) : c.queue().getArtifact(taskId, runId, name)) {
                in.transferTo(System.out);
                System.out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the artifacts of a task's run.")
    static final class List implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "TASK_ID") String taskId;
        @Option(names = "--run", description = "Run id (default: the latest).") Integer runId;

        @Override
        public Integer call() {
            BerthClient c = client.client();
            String token = null;
            do {
                var page = runId == null ? c.queue().listLatestArtifacts(taskId, token, null) : c.queue().listArtifacts(taskId, runId, token, null);
                page.path("artifacts").forEach(a -> System.out.println(a.path("name").asText() + "  " + a.path("storageType").asText()
                        + "  " + a.path("contentType").asText() + "  expires " + a.path("expires").asText()));
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            return 0;
        }
    }
}
