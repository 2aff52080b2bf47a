package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where a client talks to and as whom: a root URL and optional credentials.
 *
 * <p>{@link #load()} reads the environment ({@code TASKCLUSTER_ROOT_URL}, {@code TASKCLUSTER_CLIENT_ID},
 * {@code TASKCLUSTER_ACCESS_TOKEN}, {@code TASKCLUSTER_CERTIFICATE}, as taskcluster-client does) and falls back
 * to {@code ~/.config/berth/client.json} for whatever the environment leaves out. The file has the shape of
 * taskcluster-client's options:
 *
 * <pre>{@code
 * {
 *   "rootUrl": "https://berth.example.com",
 *   "credentials": {
 *     "clientId": "me",
 *     "accessToken": "...",
 *     "certificate": "{...}"     // optional; the certificate JSON as a string or as an object
 *   }
 * }
 * }</pre>
 *
 * Credentials come wholly from one source: environment credentials replace the file's, never mix with them.
 */
public record ClientConfig(String rootUrl, Credentials credentials) {

    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".config", "berth", "client.json");
    }

    public static ClientConfig load() {
        return load(System.getenv(), defaultFile());
    }

    /** As {@link #load()}, with the environment and file given (tests, or a {@code --config} option). */
    public static ClientConfig load(Map<String, String> env, Path file) {
        String rootUrl = env.get("TASKCLUSTER_ROOT_URL");
        Credentials credentials = Credentials.fromEnvironment(env).orElse(null);
        if ((rootUrl == null || rootUrl.isEmpty() || credentials == null) && file != null && Files.isRegularFile(file)) {
            ClientConfig fromFile = readFile(file);
            if (rootUrl == null || rootUrl.isEmpty()) {
                rootUrl = fromFile.rootUrl();
            }
            if (credentials == null) {
                credentials = fromFile.credentials();
            }
        }
        if (rootUrl == null || rootUrl.isEmpty()) {
            throw new IllegalStateException("no root URL: set TASKCLUSTER_ROOT_URL or \"rootUrl\" in " + file);
        }
        return new ClientConfig(rootUrl, credentials);
    }

    public Optional<Credentials> optionalCredentials() { return Optional.ofNullable(credentials); }

    private static ClientConfig readFile(Path file) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read client config " + file + ": " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalStateException("client config " + file + " must be a JSON object");
        }
        String rootUrl = node.path("rootUrl").asText(null);
        Credentials credentials = null;
        JsonNode creds = node.path("credentials");
        if (creds.isObject() && creds.hasNonNull("clientId")) {
            JsonNode certificate = creds.get("certificate");
            String certificateText = certificate == null || certificate.isNull() ? null
                    : certificate.isTextual() ? certificate.asText() : Json.write(certificate);
            try {
                credentials = new Credentials(creds.get("clientId").asText(), creds.path("accessToken").asText(""),
                        certificateText);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("client config " + file + ": " + e.getMessage(), e);
            }
        }
        return new ClientConfig(rootUrl, credentials);
    }
}
