package dev.berth.worker.runtime.docker;

import dev.berth.worker.runtime.RegistryCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where the Docker engine is and how to pull.
 *
 * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}
 * @param tlsVerify for tcp: verify the engine's certificate and present ours
 * @param certPath for tcp with TLS: directory holding {@code ca.pem}, {@code cert.pem}, {@code key.pem}
 * @param registries credentials per registry host
 * @param pullTimeout how long one image pull may take before the image counts as unavailable
 */
public record DockerRuntimeConfig(
        String dockerHost, boolean tlsVerify, Path certPath, List<RegistryCredentials> registries, Duration pullTimeout) {

    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    public DockerRuntimeConfig {
        Objects.requireNonNull(dockerHost, "dockerHost");
        if (!dockerHost.startsWith("unix://") && !dockerHost.startsWith("tcp://")) {
            throw new IllegalArgumentException("docker host must be unix:// or tcp://, got " + dockerHost);
        }
        if (tlsVerify && certPath == null) throw new IllegalArgumentException("TLS needs a cert path");
        registries = registries == null ? List.of() : List.copyOf(registries);
        pullTimeout = pullTimeout == null ? Duration.ofMinutes(30) : pullTimeout;
    }

    /** The local engine over its unix socket, no registry credentials. */
    public static DockerRuntimeConfig localDefault() {
        return new DockerRuntimeConfig(DEFAULT_HOST, false, null, List.of(), null);
    }
}
