package dev.berth.worker.images;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/** Builds an image folder on a Docker engine, its build output passed on line by line. */
public final class DockerImageBuilder implements AutoCloseable {

    private final DockerClient docker;

    public DockerImageBuilder(DockerRuntimeConfig config) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.dockerHost())
                .withDockerTlsVerify(config.tlsVerify());
        if (config.certPath() != null) builder.withDockerCertPath(config.certPath().toString());
        DockerClientConfig clientConfig = builder.build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(clientConfig.getDockerHost())
                .sslConfig(clientConfig.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        this.docker = DockerClientImpl.getInstance(clientConfig, http);
    }

    /**
     * Builds {@code folder} tagged {@code tag}, never pulling (no registry needs to answer: a FROM image must be
     * present on the engine).
     *
     * @return the image id
     */
    public String build(ImageFolder folder, String tag, Consumer<String> output) {
        BuildImageResultCallback callback = new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) item.getStream().lines().forEach(output);
                super.onNext(item);
            }
        };
        return docker.buildImageCmd(folder.dir().toFile()).withTags(Set.of(tag)).withPull(false)
                .exec(callback).awaitImageId();
    }

    @Override
    public void close() throws IOException {
        docker.close();
    }
}
