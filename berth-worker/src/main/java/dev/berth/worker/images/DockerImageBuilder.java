package dev.berth.worker.images;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.berth.worker.runtime.docker.DockerClients;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;

/** Builds an image folder on a Docker engine, its build output passed on line by line. */
public final class DockerImageBuilder implements AutoCloseable {

    private final DockerClient docker;

    public DockerImageBuilder(DockerRuntimeConfig config) {
        this.docker = DockerClients.open(config);
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
