package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Clients of the auth service, for operators: a worker's client with exactly the scopes a deployed worker
 * needs, or any other client. The access token is printed once, as the worker's environment wants it.
 */
@Command(name = "client", mixinStandardHelpOptions = true, description = "Create and remove API clients (needs auth scopes, e.g. the root credentials).",
        subcommands = {ClientCommand.Create.class, ClientCommand.CreateWorker.class, ClientCommand.Delete.class})
final class ClientCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** The scopes a worker serving {@code taskQueueId} as {@code workerGroup/workerId} needs; runs get their own. */
    static List<String> workerScopes(String taskQueueId, String workerGroup, String workerId) {
        return dev.berth.core.dockerworker.WorkerScopes.of(taskQueueId, workerGroup, workerId);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a client with the given scopes; prints its credentials.")
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "CLIENT_ID") String clientId;
        @Option(names = "--scope", description = "A scope the client holds (repeat for more).") List<String> scopes = new ArrayList<>();
        @Option(names = "--description", defaultValue = "created with berth client create") String description;
        @Option(names = "--expires-in-days", defaultValue = "365", description = "Days until the client expires (default 365).") int days;

        @Override
        public Integer call() {
            printCredentials(create(client.client(), clientId, scopes, description, days));
            return 0;
        }
    }

    @Command(name = "create-worker", mixinStandardHelpOptions = true,
            description = "Create the client a deployed `berth worker` uses: only queue:claim-work:<queue>, queue:claim-task:<queue>, "
                    + "queue:worker-id:<group>/<id>, auth:expand-scopes and purge-cache:purge-requests::<queue>. "
                    + "Prints TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN lines.")
    static final class CreateWorker implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "CLIENT_ID", description = "e.g. worker/local-docker") String clientId;
        @Option(names = "--task-queue", defaultValue = "local/docker", description = "The queue it serves (default local/docker).") String taskQueueId;
        @Option(names = "--worker-group", defaultValue = "local", description = "Its worker group (default local).") String workerGroup;
        @Option(names = "--worker-id", defaultValue = "*", description = "Its worker id, or * for any (default *).") String workerId;
        @Option(names = "--expires-in-days", defaultValue = "365") int days;

        @Override
        public Integer call() {
            JsonNode created = create(client.client(), clientId, workerScopes(taskQueueId, workerGroup, workerId),
                    "berth worker on " + taskQueueId + " as " + workerGroup + "/" + workerId, days);
            printCredentials(created);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a client.")
    static final class Delete implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "CLIENT_ID") String clientId;

        @Override
        public Integer call() {
            client.client().auth().deleteClient(clientId);
            System.err.println("deleted " + clientId);
            return 0;
        }
    }

    private static JsonNode create(BerthClient c, String clientId, List<String> scopes, String description, int days) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", description);
        body.put("expires", Json.format(Instant.now().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.MILLIS)));
        body.put("scopes", scopes);
        return c.auth().createClient(clientId, body);
    }

    /** As environment lines, so `berth client create-worker ... > worker.env` feeds a worker directly. */
    private static void printCredentials(JsonNode created) {
        System.out.println("TASKCLUSTER_CLIENT_ID=" + created.path("clientId").asText());
        System.out.println("TASKCLUSTER_ACCESS_TOKEN=" + created.path("accessToken").asText());
        System.err.println("scopes: " + created.path("scopes"));
    }
}
