package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthApiException;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.images.ImageFolder;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Image folders (seed 004): their context hash, a local build, and finding an already built image in the index. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Hash and build image folders (Dockerfile, VERSION, REGISTRY).",
        subcommands = {ImageCommand.Hash.class, ImageCommand.Build.class})
final class ImageCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Print the context hash of an image folder: sha256 over its files' hashes and paths, sorted.")
    static final class Hash implements Callable<Integer> {
        @Parameters(paramLabel = "DIR") Path dir;

        @Override
        public Integer call() {
            System.out.println(ImageFolder.read(dir).contextHash());
            return 0;
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Find the image of DIR's context hash in the index and reuse it, else build it on a worker (an "
                    + "image-build task whose result is indexed); with --local build it on the local engine instead, tagged "
                    + "REGISTRY/name:VERSION (or name:latest without VERSION).")
    static final class Build implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "DIR") Path dir;
        @Option(names = "--local", description = "Build with the local Docker engine ($BERTH_DOCKER_HOST or the unix socket).") boolean local;
        @Option(names = "--level", defaultValue = "1", description = "Index level (default 1).") int level;
        @Option(names = "--prefix", defaultValue = "docker.images.v2", description = "Index prefix (default docker.images.v2).") String prefix;
        @Option(names = "--task-queue", defaultValue = "local/docker",
                description = "Where the image-build task runs (default local/docker).") String taskQueueId;

        @Override
        public Integer call() throws Exception {
            ImageFolder folder = ImageFolder.read(dir);
            System.err.println("hashing " + folder.dir());
            String hash = folder.contextHash();
            System.err.println("context hash " + hash);
            if (local) return buildLocally(folder);
            String namespace = prefix + ".level-" + level + "." + folder.name() + ".hash." + hash;
            JsonNode indexed;
            try {
                indexed = client.client().index().findTask(namespace);
            } catch (BerthApiException e) {
                if (e.statusCode() != 404) throw e;
                indexed = null;
            }
            String taskId;
            if (indexed != null) {
                taskId = indexed.path("taskId").asText();
                System.err.println("reusing the image of task " + taskId + " (indexed at " + namespace + ")");
            } else {
                System.err.println("no image with this context hash is indexed at " + namespace + ": building it on a worker of "
                        + taskQueueId);
                taskId = new ClusterBuild(client.client(), folder, hash, prefix + ".level-" + level + "." + folder.name(),
                        taskQueueId).run();
                if (taskId == null) return 1;
            }            for (String line : List.of("indexed-image payload:",
                    "  image: {type: indexed-image, namespace: '" + namespace + "', path: public/image.tar.zst}",
                    "task-image payload:",
                    "  image: {type: task-image, taskId: '" + taskId + "', path: public/image.tar.zst}")) {
                System.out.println(line);
            }
            return 0;
        }

        private int buildLocally(ImageFolder folder) throws Exception {
            String tag = folder.tag();
            String host = System.getenv().getOrDefault("BERTH_DOCKER_HOST", DockerRuntimeConfig.DEFAULT_HOST);
            try (DockerContainerRuntime engine = new DockerContainerRuntime(new DockerRuntimeConfig(host, false, null, List.of(), null))) {
                String id = engine.buildImage(folder.dir(), tag, line -> System.err.println("  " + line));
                System.err.println("built " + tag + " (" + id + ")");
                System.out.println(tag);
            }
            return 0;
        }
    }
}
