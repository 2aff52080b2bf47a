package dev.berth.bench;

import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** A Berth server in the benchmark's own process, on a free loopback port, with its data under one directory. */
final class BenchServer {

    private BenchServer() {}

    /** Starts it; {@code extra} adds or overrides environment settings (e.g. a database URL). */
    static BerthServer start(Path dataDir, Map<String, String> extra) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_PORT", Integer.toString(freePort()));
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_DATA_DIR", dataDir.toString());
        env.putAll(extra);
        return BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
