package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.IndexClient;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The index service from the command line: find a task by path, list a namespace, index a task by hand. */
@Command(name = "index", mixinStandardHelpOptions = true, description = "Find, list and insert tasks in the index.",
        subcommands = {IndexCommand.Find.class, IndexCommand.ListNamespace.class, IndexCommand.Insert.class})
final class IndexCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "find", mixinStandardHelpOptions = true, description = "Print the task indexed at PATH (JSON).")
    static final class Find implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "PATH", description = "e.g. project.app.v2.latest") String path;

        @Override
        public Integer call() throws Exception {
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(client.client().index().findTask(path)));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List what NAMESPACE holds: its namespaces (ending in a dot), then its tasks with id, rank and expiry.")
    static final class ListNamespace implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "NAMESPACE", defaultValue = "", description = "Default: the root.") String namespace;

        @Override
        public Integer call() throws Exception {
            IndexClient index = client.client().index();
            String token = null;
            do {
                JsonNode page = index.listNamespaces(namespace, token, null);
                for (JsonNode n : page.path("namespaces")) System.out.println(n.path("namespace").asText() + ".");
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            do {
                JsonNode page = index.listTasks(namespace, token, null);
                for (JsonNode t : page.path("tasks")) {
                    System.out.println(t.path("namespace").asText() + "  " + t.path("taskId").asText() + "  rank "
                            + t.path("rank").asText() + "  expires " + t.path("expires").asText());
                }
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            return 0;
        }
    }

    @Command(name = "insert", mixinStandardHelpOptions = true,
            description = "Index TASK_ID at NAMESPACE (kept only if no higher rank is there); prints the entry kept.")
    static final class Insert implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "NAMESPACE") String namespace;
        @Parameters(index = "1", paramLabel = "TASK_ID") String taskId;
        @Option(names = "--rank", defaultValue = "0", description = "Rank; the higher rank stays (default 0).") long rank;
        @Option(names = "--expires-in-days", defaultValue = "365", description = "Days until the entry expires (default 365).") int days;
        @Option(names = "--data", defaultValue = "{}", description = "A JSON object stored with the entry.") String data;

        @Override
        public Integer call() throws Exception {
            JsonNode parsed;
            try {
                parsed = Json.tree(data);
            } catch (java.io.UncheckedIOException e) {
                parsed = null;
            }
            if (parsed == null || !parsed.isObject()) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--data must be a JSON object; got " + data);
            ObjectNode body = Json.MAPPER.createObjectNode().put("taskId", taskId).put("rank", rank);
            body.set("data", parsed);
            body.put("expires", Json.format(Instant.now().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.MILLIS)));
            JsonNode kept = client.client().index().insertTask(namespace, body);
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(kept));
            if (!kept.path("taskId").asText().equals(taskId)) {
                System.err.println("not indexed: " + namespace + " keeps task " + kept.path("taskId").asText()
                        + " with the higher rank " + kept.path("rank").asText());
                return 1;
            }
            return 0;
        }
    }
}
