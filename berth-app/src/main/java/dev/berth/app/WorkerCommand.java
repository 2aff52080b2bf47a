package dev.berth.app;

import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Claim tasks from the queue and run each in a fresh Docker container.",
                "Settings: a YAML file and BERTH_*/TASKCLUSTER_* environment variables (see README)."},
        subcommands = {WorkerCommand.PublicKey.class})
final class WorkerCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "YAML config file (environment variables override it).")
    Path config;

    @Option(names = "--capacity", description = "Tasks at once (overrides config and BERTH_WORKER_CAPACITY).")
    Integer capacity;

    @Override
    public Integer call() throws InterruptedException {
        WorkerConfig cfg = WorkerConfig.load(config, System.getenv());
        if (capacity != null) cfg = cfg.withCapacity(capacity);
        CountDownLatch stopped = new CountDownLatch(1);
        // a pool's worker (started by the provisioner) exits by itself after its idle timeout: its container goes
        String idle = System.getenv("BERTH_WORKER_IDLE_TIMEOUT");
        dev.berth.worker.WorkerBuilder builder = Worker.builder(cfg);
        if (idle != null && !idle.isBlank()) {
            long seconds;
            try {
                seconds = Long.parseLong(idle.trim());
            } catch (NumberFormatException e) {
                throw dev.berth.core.BerthException.input("BERTH_WORKER_IDLE_TIMEOUT must be whole seconds; got '" + idle + "'");
            }
            if (seconds < 0) throw dev.berth.core.BerthException.input("BERTH_WORKER_IDLE_TIMEOUT must not be negative");
            builder.idleExit(java.time.Duration.ofSeconds(seconds), stopped::countDown);
        }
        Worker worker = builder.start();
        // SIGTERM: stop claiming, hand running tasks back as exception/worker-shutdown, then exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.shutdown(Worker.DEFAULT_SHUTDOWN_GRACE);
            worker.close();
            stopped.countDown();
        }, "berth-worker-shutdown"));
        System.out.println("Berth worker " + cfg.workerGroup() + "/" + cfg.workerId() + " claiming from "
                + cfg.taskQueueId() + " at " + cfg.rootUrl() + " (capacity " + cfg.capacity() + ")");
        stopped.await();
        return 0;
    }

    @Command(name = "public-key", mixinStandardHelpOptions = true,
            description = {"Print the worker's OpenPGP public key (ASCII armour), which task authors encrypt "
                    + "encryptedEnv entries to (berth secret encrypt --key, or gpg --encrypt --recipient-file).",
                    "The key is the config's secrets.privateKeyFile (BERTH_WORKER_PRIVATE_KEY), or the one in the data "
                    + "dir, generated now if the worker has not started yet."})
    static final class PublicKey implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, description = "The worker's YAML config file (environment variables override it).")
        Path config;

        @Override
        public Integer call() {
            WorkerConfig cfg = WorkerConfig.load(config, System.getenv());
            System.out.print(dev.berth.worker.TaskPowers.key(cfg).armoredPublicKey());
            return 0;
        }
    }
}
