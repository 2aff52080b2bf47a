package dev.berth.app;

import dev.berth.client.BerthClient;
import dev.berth.client.ClientConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the CLI finds the server and its credentials: TASKCLUSTER_* environment, else a config file. */
final class ClientOptions {

    @Option(names = "--root-url", description = "Berth root URL (default: $TASKCLUSTER_ROOT_URL or the config file).")
    String rootUrl;

    @Option(names = "--client-config", description = "Client config file (default: ~/.config/berth/client.json).")
    Path configFile;

    BerthClient client() {
        ClientConfig cfg = ClientConfig.load(System.getenv(), configFile != null ? configFile : ClientConfig.defaultFile());
        String url = rootUrl != null ? rootUrl : cfg.rootUrl();
        return new BerthClient(url, cfg.optionalCredentials().orElse(null));
    }
}
