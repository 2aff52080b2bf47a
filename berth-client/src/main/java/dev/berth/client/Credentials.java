package dev.berth.client;

import java.util.Map;
import java.util.Optional;

/**
 * Taskcluster credentials: a clientId and access token, plus the certificate (JSON text) when they are
 * temporary credentials.
 */
public record Credentials(String clientId, String accessToken, String certificate) {

    public Credentials {
        if (clientId == null || clientId.isEmpty() || accessToken == null || accessToken.isEmpty()) {
            throw new IllegalArgumentException("credentials need both a clientId and an accessToken");
        }
        if (certificate != null && certificate.isEmpty()) {
            certificate = null;
        }
    }

    public Credentials(String clientId, String accessToken) {
        this(clientId, accessToken, null);
    }

    /** From {@code TASKCLUSTER_CLIENT_ID}, {@code TASKCLUSTER_ACCESS_TOKEN} and {@code TASKCLUSTER_CERTIFICATE}. */
    public static Optional<Credentials> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Optional<Credentials> fromEnvironment(Map<String, String> env) {
        String clientId = env.get("TASKCLUSTER_CLIENT_ID");
        String accessToken = env.get("TASKCLUSTER_ACCESS_TOKEN");
        if (clientId == null || clientId.isEmpty() || accessToken == null || accessToken.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(clientId, accessToken, env.get("TASKCLUSTER_CERTIFICATE")));
    }

    public boolean isTemporary() { return certificate != null; }

    /** Never prints the token or certificate, so credentials can be logged by accident without leaking. */
    @Override
    public String toString() {
        return "Credentials[clientId=" + clientId + (certificate != null ? ", temporary" : "") + "]";
    }
}
