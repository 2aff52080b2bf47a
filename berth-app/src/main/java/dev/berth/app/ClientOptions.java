package dev.berth.app;

import dev.berth.client.BerthClient;
import dev.berth.client.ClientConfig;
import dev.berth.core.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the CLI finds the server and its credentials: TASKCLUSTER_* environment, else a client config file,
 * else the root credentials a local {@code berth server}/{@code berth dev} wrote under ./.berth.
 */
final class ClientOptions {

    static final Path LOCAL_ROOT_CREDENTIALS = Path.of(".berth", "root-credentials.json");

    @Option(names = "--root-url", description = "Berth root URL (default: $TASKCLUSTER_ROOT_URL or the config file).")
    String rootUrl;

    @Option(names = "--client-config", description = "Client config file (default: ~/.config/berth/client.json, "
            + "else ./.berth/root-credentials.json).")
    Path configFile;

    BerthClient client() {
        Path file = configFile;
        if (file == null) {
            file = ClientConfig.defaultFile();
            if (!Files.isRegularFile(file) && Files.isRegularFile(LOCAL_ROOT_CREDENTIALS)) file = LOCAL_ROOT_CREDENTIALS;
        }
        ClientConfig cfg;
        try {
            cfg = rootUrl != null && System.getenv("TASKCLUSTER_ROOT_URL") == null
                    ? ClientConfig.load(withRootUrl(), file) : ClientConfig.load(System.getenv(), file);
        } catch (IllegalStateException e) {
            throw BerthException.input(e.getMessage());
        }
        return new BerthClient(rootUrl != null ? rootUrl : cfg.rootUrl(), cfg.optionalCredentials().orElse(null));
    }

    private java.util.Map<String, String> withRootUrl() {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("TASKCLUSTER_ROOT_URL", rootUrl);
        return env;
    }
}
