package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run the server and one Docker worker in one process on the embedded database.")
class DevCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "YAML config file for the server and the worker.")
    Path config;

    @Option(names = {"-p", "--port"}, description = "Port (default 8080, or BERTH_PORT).")
    Integer port;

    @Option(names = {"-q", "--queue"}, description = "Task queue the worker serves (default local/docker, or BERTH_TASK_QUEUE).")
    String taskQueueId;

    /** A running server and worker; closing stops the worker first (handing its tasks back), then the server. */
    record Running(BerthServer server, Worker worker, WorkerConfig workerConfig, dev.berth.app.provisioner.Provisioner provisioner)
            implements AutoCloseable {
        Running(BerthServer server, Worker worker, WorkerConfig workerConfig) { this(server, worker, workerConfig, null); }

        @Override
        public void close() {
            if (provisioner != null) provisioner.close();
            worker.shutdown(Worker.DEFAULT_SHUTDOWN_GRACE);
            worker.close();
            server.close();
        }
    }

    Running startBoth() {
        Map<String, String> env = System.getenv();
        ServerConfig serverConfig = ServerConfig.load(config, env);
        if (port != null) serverConfig = serverConfig.withPort(port);
        BerthServer server = BerthServer.start(serverConfig, Clock.systemUTC());
        Map<String, String> workerEnv = new HashMap<>(env);
        workerEnv.put("BERTH_ROOT_URL", server.rootUrl());
        workerEnv.put("TASKCLUSTER_ROOT_URL", server.rootUrl());
        workerEnv.put("TASKCLUSTER_CLIENT_ID", server.rootClientId());
        workerEnv.put("TASKCLUSTER_ACCESS_TOKEN", server.rootAccessToken());
        workerEnv.putIfAbsent("BERTH_DATA_DIR", serverConfig.dataDir().toString());
        if (taskQueueId != null) workerEnv.put("BERTH_TASK_QUEUE", taskQueueId);
        try {
            // the worker gets a client of its own with only the scopes an operator gives a deployed
            // worker (see README), so `berth dev` runs the wiring production runs
            WorkerConfig asRoot = WorkerConfig.load(config, workerEnv);
            Credentials own = workerClient(server, asRoot);
            workerEnv.put("TASKCLUSTER_CLIENT_ID", own.clientId());
            workerEnv.put("TASKCLUSTER_ACCESS_TOKEN", own.accessToken());
            WorkerConfig workerConfig = WorkerConfig.load(config, workerEnv);
            // its counters (report retries, live log bytes dropped...) are in the server's /metrics
            Worker worker = Worker.builder(workerConfig).meterRegistry(server.meterRegistry()).start();
            return new Running(server, worker, workerConfig, provisioner(server, env));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * The provisioner of the worker pools, on the local engine(s) the pools name, inside this process (the embedded
     * database has one user). Worker containers get BERTH_PROVISIONER_WORKER_ROOT_URL, else the server's root URL.
     */
    static dev.berth.app.provisioner.Provisioner provisioner(BerthServer server, Map<String, String> env) {
        String workerUrl = env.getOrDefault("BERTH_PROVISIONER_WORKER_ROOT_URL", server.rootUrl());
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        return new dev.berth.app.provisioner.Provisioner(server.workerPools(), server.queue()::pendingCount, root,
                dev.berth.app.provisioner.Lease.ALONE, dev.berth.app.provisioner.ProvisionerSettings.defaults("berth-dev", workerUrl),
                Clock.systemUTC()).start();
    }

    /** The scopes a deployed worker holds: claiming from its queue, as its own worker id. */
    static List<String> workerScopes(WorkerConfig cfg) {
        return dev.berth.core.dockerworker.WorkerScopes.of(cfg.taskQueueId(), cfg.workerGroup(), cfg.workerId());
    }

    /**
     * Creates (or, from an earlier start on the same data directory, updates and gives a new token)
     * the client {@code berth/dev-worker/<group>/<id>} holding {@link #workerScopes}.
     */
    static Credentials workerClient(BerthServer server, WorkerConfig cfg) {
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        String clientId = "berth/dev-worker/" + cfg.workerGroup() + "/" + cfg.workerId();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", "the worker `berth dev` runs beside its server");
        body.put("expires", Json.format(Instant.now().plus(Duration.ofDays(3650)).truncatedTo(ChronoUnit.MILLIS)));
        body.put("scopes", workerScopes(cfg));
        JsonNode answer;
        try {
            answer = root.auth().createClient(clientId, body);
        } catch (BerthApiException e) {
            if (e.statusCode() != 409) throw e;
            root.auth().updateClient(clientId, body);
            answer = root.auth().resetAccessToken(clientId);
        }
        return new Credentials(clientId, answer.path("accessToken").asText());
    }

    @Override
    public Integer call() throws InterruptedException {
        Running running = startBoth();
        printWelcome(running);
        awaitShutdown(running);
        return 0;
    }

    static void printWelcome(Running r) {
        System.out.println("Berth is running at " + r.server().rootUrl() + " with a worker on queue "
                + r.workerConfig().taskQueueId() + " (capacity " + r.workerConfig().capacity() + ")");
        System.out.println("Root credentials: " + r.server().rootCredentialsFile()
                + " (the berth CLI in this directory uses them)");
        System.out.println("Submit a task:    ./berth task create --image berth/busybox:latest -- sh -c 'echo hello'");
        System.out.println("Follow its log:   ./berth task log -f <taskId>");
    }

    static void awaitShutdown(Running running) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "berth-dev-shutdown"));
        stopped.await();
    }
}
