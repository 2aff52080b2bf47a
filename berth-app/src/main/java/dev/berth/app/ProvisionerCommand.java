package dev.berth.app;

import dev.berth.app.provisioner.Lease;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.app.provisioner.ProvisionerSettings;
import dev.berth.client.BerthClient;
import dev.berth.core.BerthException;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.store.Storage;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "provisioner", mixinStandardHelpOptions = true,
        description = {"Start worker containers for the docker worker pools while their tasks wait, and remove them when idle.",
                "Reads the server's database (BERTH_DATABASE_URL: PostgreSQL, or an H2 file no server holds open) and "
                        + "talks to the server (--root-url or TASKCLUSTER_ROOT_URL, with credentials that may create the "
                        + "workers' clients). Several provisioners may share one database: one leads at a time."})
final class ProvisionerCommand implements Callable<Integer> {

    @Mixin ClientOptions client;

    @Option(names = "--database-url", description = "The server's database (default: $BERTH_DATABASE_URL).")
    String databaseUrl;

    @Option(names = "--worker-root-url", description = "The server URL worker containers are given, one they reach "
            + "(default: $BERTH_PROVISIONER_WORKER_ROOT_URL, else the root URL).")
    String workerRootUrl;

    @Option(names = "--name", description = "This provisioner's name, on its containers and its lease (default: the host name).")
    String name;

    @Option(names = "--interval", description = "Seconds between rounds (default 5).", defaultValue = "5")
    double interval;

    @Option(names = "--credential-lifetime", description = "Hours a worker's credentials live before renewal (default 24).",
            defaultValue = "24")
    long credentialHours;

    @Override
    public Integer call() throws InterruptedException {
        String url = databaseUrl != null ? databaseUrl : System.getenv("BERTH_DATABASE_URL");
        if (url == null || url.isBlank()) throw BerthException.input("the provisioner needs the server's database: --database-url or BERTH_DATABASE_URL");
        if (interval <= 0) throw BerthException.input("--interval must be positive");
        BerthClient api = client.client();
        String workers = workerRootUrl != null ? workerRootUrl : System.getenv("BERTH_PROVISIONER_WORKER_ROOT_URL");
        if (workers == null || workers.isBlank()) workers = api.rootUrl();
        String me = name != null ? name : hostName();
        Duration every = Duration.ofMillis((long) (interval * 1000));
        ProvisionerSettings settings = ProvisionerSettings.defaults(me, workers)
                .withInterval(every, every.multipliedBy(6).compareTo(Duration.ofSeconds(15)) > 0 ? every.multipliedBy(6) : Duration.ofSeconds(15));
        settings = new ProvisionerSettings(settings.name(), settings.workerRootUrl(), settings.workerGroup(), settings.interval(),
                Duration.ofHours(credentialHours), settings.leaseTtl(), settings.backoff(), settings.maxBackoff(), settings.startGrace());
        Clock clock = Clock.systemUTC();
        Storage storage = Storage.open(url, null, null);
        dev.berth.core.queue.QueueService queue = new dev.berth.core.queue.QueueService(storage.tasks(), clock, Duration.ofMinutes(20));
        Provisioner provisioner = new Provisioner(new WorkerPoolService(storage.workerPools(), clock), queue::pendingCount, api,
                new Lease.Jdbc(storage.dataSource(), "provisioner", me + "/" + ProcessHandle.current().pid(), clock), settings, clock).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            provisioner.close();
            storage.close();
            stopped.countDown();
        }, "berth-provisioner-shutdown"));
        System.out.println("Berth provisioner " + me + " on " + api.rootUrl() + " (workers reach " + workers + "), a round every "
                + interval + "s");
        stopped.await();
        return 0;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "provisioner";
        }
    }
}
