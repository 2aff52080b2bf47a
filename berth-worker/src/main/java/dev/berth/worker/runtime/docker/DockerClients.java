package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;

/** A docker-java client for an engine as the worker's config names it (unix socket, or TCP with TLS). */
public final class DockerClients {

    private DockerClients() {}

    /** The client and its HTTP transport; closing the client closes the transport. */
    public static DockerClient open(DockerRuntimeConfig config) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.dockerHost())
                .withDockerTlsVerify(config.tlsVerify());
        if (config.certPath() != null) builder.withDockerCertPath(config.certPath().toString());
        DockerClientConfig clientConfig = builder.build();
        // no response timeout: log follow, wait, pulls and builds legitimately stay silent for a long time
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(clientConfig.getDockerHost())
                .sslConfig(clientConfig.getSSLConfig())
                .maxConnections(200)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        return DockerClientImpl.getInstance(clientConfig, http);
    }
}
