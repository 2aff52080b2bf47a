package dev.berth.app;

import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the queue, auth and job APIs (embedded H2 database unless BERTH_DATABASE_URL says otherwise).")
final class ServerCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "YAML config file (environment variables override it).")
    Path config;

    @Option(names = {"-p", "--port"}, description = "Port to listen on (overrides config and BERTH_PORT).")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig cfg = ServerConfig.load(config, System.getenv());
        if (port != null) cfg = cfg.withPort(port);
        BerthServer server = BerthServer.start(cfg, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "berth-shutdown"));
        System.out.println("Berth server is running at " + server.rootUrl());
        System.out.println("Root credentials (clientId " + server.rootClientId() + "): " + server.rootCredentialsFile());
        System.out.println("Data directory: " + cfg.dataDir());
        stopped.await();
        return 0;
    }
}
