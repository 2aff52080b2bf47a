package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.client.BerthApiException;
import dev.berth.client.WorkerManagerClient;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Worker pools (worker-manager): define them from a file, list them, their workers and errors, delete them. */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Worker pools: workers started on Docker hosts when tasks wait.",
        subcommands = {PoolCommand.Create.class, PoolCommand.ListPools.class, PoolCommand.Show.class, PoolCommand.Workers.class,
                PoolCommand.Delete.class})
final class PoolCommand implements Runnable {

    /** The fields of a pool definition; in a file without {@code config}, every other key is the config. */
    static final Set<String> DEFINITION_FIELDS = Set.of("workerPoolId", "providerId", "description", "owner", "emailOnError", "config");

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a pool from a YAML or JSON file: workerPoolId (or --id), description, owner and config "
                    + "(dockerHosts, image or dockerfile, maxCapacity, ...; see README 'Worker pools'). Without a 'config' key, "
                    + "the file's other keys are the config. Prints the pool id.",
                    "Needs worker-manager:manage-worker-pool:<id> and worker-manager:provider:docker."})
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Option(names = {"-f", "--file"}, required = true, description = "The pool definition (YAML or JSON).") Path file;
        @Option(names = "--id", description = "The pool id, a task queue id such as proj/docker (default: workerPoolId in the file).")
        String id;
        @Option(names = "--update", description = "Replace the definition when the pool exists.") boolean update;

        @Override
        public Integer call() throws IOException {
            ObjectNode def = definition(file);
            String poolId = id != null ? id : def.path("workerPoolId").asText(null);
            if (poolId == null) throw BerthException.input(file + " names no workerPoolId: add one, or give --id");
            if (def.has("workerPoolId") && !def.get("workerPoolId").asText().equals(poolId)) {
                throw BerthException.input("--id " + poolId + " differs from workerPoolId " + def.get("workerPoolId").asText() + " in " + file);
            }
            def.remove("workerPoolId");
            WorkerManagerClient wm = client.client().workerManager();
            JsonNode pool;
            String did = "created";
            try {
                pool = wm.createWorkerPool(poolId, def);
            } catch (BerthApiException e) {
                if (!update || e.statusCode() != 409) throw e;
                pool = wm.updateWorkerPool(poolId, def);
                did = "updated";
            }
            System.out.println(poolId);
            System.err.println(did + " worker pool " + poolId + " (provider " + pool.path("providerId").asText() + ", max capacity "
                    + pool.at("/config/maxCapacity").asText() + "); its workers serve task queue " + poolId);
            return 0;
        }

        static ObjectNode definition(Path path) throws IOException {
            if (!Files.isRegularFile(path)) throw BerthException.input("no such file: " + path);
            JsonNode node;
            try {
                node = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
            } catch (IOException e) {
                throw BerthException.input(path + " is not YAML or JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (node == null || !node.isObject()) throw BerthException.input(path + " must hold a pool definition (a mapping)");
            ObjectNode in = (ObjectNode) Json.MAPPER.readTree(Json.write(node));
            ObjectNode def = Json.MAPPER.createObjectNode();
            ObjectNode config = in.has("config") ? (ObjectNode) in.get("config") : Json.MAPPER.createObjectNode();
            for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (DEFINITION_FIELDS.contains(k)) {
                    if (!k.equals("config")) def.set(k, in.get(k));
                } else if (in.has("config")) {
                    throw BerthException.input(path + ": unknown field '" + k + "' beside 'config' (put the provider's options under config)");
                } else {
                    config.set(k, in.get(k));
                }
            }
            if (!def.has("providerId")) def.put("providerId", "docker");
            if (!def.has("description")) def.put("description", "");
            if (!def.has("owner")) def.put("owner", System.getProperty("user.name", "berth") + "@localhost");
            if (!def.has("emailOnError")) def.put("emailOnError", false);
            def.set("config", config);
            return def;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the pools: id, provider, workers by state, capacity.")
    static final class ListPools implements Callable<Integer> {
        @Mixin ClientOptions client;

        @Override
        public Integer call() {
            WorkerManagerClient wm = client.client().workerManager();
            String token = null;
            do {
                JsonNode page = wm.listWorkerPools(token, null);
                for (JsonNode p : page.path("workerPools")) {
                    System.out.println(p.path("workerPoolId").asText() + "  " + p.path("providerId").asText()
                            + "  requested " + p.path("requestedCount").asInt() + "  running " + p.path("runningCount").asInt()
                            + "  stopping " + p.path("stoppingCount").asInt()
                            + "  capacity " + p.path("currentCapacity").asInt() + "/" + p.at("/config/maxCapacity").asText("?")
                            + (p.path("description").asText().isEmpty() ? "" : "  " + p.path("description").asText().lines().findFirst().orElse("")));
                }
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a pool's definition and counts (JSON), then its last errors.")
    static final class Show implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "POOL") String workerPoolId;
        @Option(names = "--errors", defaultValue = "5", description = "How many of the latest errors to show (default ${DEFAULT-VALUE}).")
        int errors;

        @Override
        public Integer call() throws IOException {
            WorkerManagerClient wm = client.client().workerManager();
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(wm.workerPool(workerPoolId)));
            if (errors > 0) {
                JsonNode list = wm.listWorkerPoolErrors(workerPoolId, null, errors).path("workerPoolErrors");
                System.err.println(list.isEmpty() ? "no errors reported on " + workerPoolId : "latest errors of " + workerPoolId + ":");
                for (JsonNode e : list) {
                    System.err.println("  " + e.path("reported").asText() + "  " + e.path("kind").asText() + "  " + e.path("title").asText());
                    e.path("description").asText().lines().limit(20).forEach(l -> System.err.println("      " + l));
                }
            }
            return 0;
        }
    }

    @Command(name = "workers", mixinStandardHelpOptions = true, description = "List a pool's workers: group/id, state, capacity, created, expires.")
    static final class Workers implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "POOL") String workerPoolId;

        @Override
        public Integer call() {
            WorkerManagerClient wm = client.client().workerManager();
            String token = null;
            int n = 0;
            do {
                JsonNode page = wm.listWorkersForWorkerPool(workerPoolId, token, null);
                for (JsonNode w : page.path("workers")) {
                    n++;
                    System.out.println(w.path("workerGroup").asText() + "/" + w.path("workerId").asText() + "  " + w.path("state").asText()
                            + "  capacity " + w.path("capacity").asInt() + "  created " + w.path("created").asText()
                            + "  expires " + w.path("expires").asText());
                }
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            if (n == 0) System.err.println("worker pool " + workerPoolId + " has no workers");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Mark a pool for deletion: it takes no new workers, its workers are asked to stop, and it goes once they have.")
    static final class Delete implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "POOL") String workerPoolId;

        @Override
        public Integer call() {
            JsonNode pool = client.client().workerManager().deleteWorkerPool(workerPoolId);
            int live = pool.path("requestedCount").asInt() + pool.path("runningCount").asInt() + pool.path("stoppingCount").asInt();
            System.err.println("worker pool " + workerPoolId + " marked for deletion (provider " + pool.path("providerId").asText() + "); "
                    + (live == 0 ? "it has no workers left and goes with the server's next sweep" : live + " worker(s) are stopping first"));
            return 0;
        }
    }
}
