package dev.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.core.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of {@code berth server}: a YAML config file, then environment variables over it.
 *
 * <pre>
 * port: 8080                 # BERTH_PORT
 * rootUrl: http://host:8080  # BERTH_ROOT_URL (default http://localhost:&lt;port&gt;)
 * dataDir: .berth            # BERTH_DATA_DIR
 * databaseUrl: jdbc:...      # BERTH_DATABASE_URL (default embedded H2 under dataDir)
 * artifactDir: ...           # BERTH_ARTIFACT_DIR (default dataDir/artifacts)
 * claimTimeout: 1200         # BERTH_CLAIM_TIMEOUT, seconds
 * rootAccessToken: ...       # BERTH_ROOT_ACCESS_TOKEN (default generated into dataDir)
 * logFile: ...               # BERTH_LOG_FILE (default dataDir/server.log; "none" for no file)
 * artifactStore: local       # BERTH_ARTIFACT_STORE; s3 and its settings: see ArtifactStoreConfig
 * </pre>
 */
public record ServerConfig(
        int port,
        String rootUrl,
        Path dataDir,
        String databaseUrl,
        Path artifactDir,
        Duration claimTimeout,
        String rootAccessToken,
        String bindHost,
        Path logFile,
        ArtifactStoreConfig artifactStore) {

    public static final int DEFAULT_PORT = 8080;

    public static ServerConfig load(Path configFile, Map<String, String> env) {
        JsonNode file = null;
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) throw BerthException.input("config file " + configFile + " does not exist");
            try {
                file = new ObjectMapper(new YAMLFactory()).readTree(configFile.toFile());
            } catch (IOException e) {
                throw BerthException.input("config file " + configFile + " is not valid YAML: " + e.getMessage());
            }
        }
        int port = parseInt(pick(env, "BERTH_PORT", file, "port", String.valueOf(DEFAULT_PORT)), "port");
        if (port < 0 || port > 65535) throw BerthException.input("port must be between 0 and 65535; got " + port);
        Path dataDir = Path.of(pick(env, "BERTH_DATA_DIR", file, "dataDir", ".berth")).toAbsolutePath().normalize();
        String rootUrl = pick(env, "BERTH_ROOT_URL", file, "rootUrl", null);
        String databaseUrl = pick(env, "BERTH_DATABASE_URL", file, "databaseUrl", null);
        if (databaseUrl == null) databaseUrl = "jdbc:h2:file:" + dataDir.resolve("db/berth");
        String artifactDir = pick(env, "BERTH_ARTIFACT_DIR", file, "artifactDir", null);
        int claimSeconds = parseInt(pick(env, "BERTH_CLAIM_TIMEOUT", file, "claimTimeout", "1200"), "claimTimeout");
        if (claimSeconds < 1) throw BerthException.input("claimTimeout must be at least 1 second");
        return new ServerConfig(port,
                rootUrl == null ? null : stripSlash(rootUrl),
                dataDir, databaseUrl,
                artifactDir == null ? dataDir.resolve("artifacts") : Path.of(artifactDir).toAbsolutePath().normalize(),
                Duration.ofSeconds(claimSeconds),
                pick(env, "BERTH_ROOT_ACCESS_TOKEN", file, "rootAccessToken", null),
                pick(env, "BERTH_BIND_HOST", file, "bindHost", "0.0.0.0"),
                logFile(pick(env, "BERTH_LOG_FILE", file, "logFile", null), dataDir),
                ArtifactStoreConfig.load(env, file));
    }

    /** The rootUrl clients use, once the real port is known (port 0 picks a free one). */
    public String rootUrlFor(int actualPort) {
        return rootUrl != null ? rootUrl : "http://localhost:" + actualPort;
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(newPort, rootUrl, dataDir, databaseUrl, artifactDir, claimTimeout, rootAccessToken, bindHost,
                logFile, artifactStore);
    }

    /** The server's log file (null: none), owner-only like everything else under the data directory. */
    private static Path logFile(String setting, Path dataDir) {
        if (setting == null) return dataDir.resolve("server.log");
        if (setting.equalsIgnoreCase("none") || setting.equals("-")) return null;
        return Path.of(setting).toAbsolutePath().normalize();
    }

    private static String pick(Map<String, String> env, String envName, JsonNode file, String key, String fallback) {
        String v = env.get(envName);
        if (v != null && !v.isBlank()) return v.trim();
        if (file != null && file.hasNonNull(key)) return file.get(key).asText();
        return fallback;
    }

    private static int parseInt(String s, String name) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw BerthException.input(name + " must be a whole number; got '" + s + "'");
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
