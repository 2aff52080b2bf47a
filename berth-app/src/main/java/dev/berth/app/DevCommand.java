package dev.berth.app;

import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Clock;
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
    record Running(BerthServer server, Worker worker, WorkerConfig workerConfig) implements AutoCloseable {
        @Override
        public void close() {
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
        WorkerConfig workerConfig = WorkerConfig.load(config, workerEnv);
        try {
            return new Running(server, Worker.builder(workerConfig).start(), workerConfig);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
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
