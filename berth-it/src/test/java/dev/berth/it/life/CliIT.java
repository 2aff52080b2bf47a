package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.it.life.LifeSupport.Result;
import dev.berth.server.BerthServer;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code berth} CLI from the packaged distribution, as its own process, against a real server and
 * a Docker worker: create a task, wait for it (exit codes), read its log, status and log artifact, create
 * from a YAML file, and the messages a user gets for a bad image and a missing command.
 */
class CliIT {

    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    private static final String workerId = "life-cli-" + LifeSupport.shortId();
    private static final String taskQueueId = "life-it/cli-" + LifeSupport.shortId();
    private static BerthServer server;
    private static Worker worker;
    private static Path clientConfig;
    private static Path cwd;

    @BeforeAll
    static void start() throws Exception {
        LifeSupport.requireDocker();
        server = LifeSupport.startServer(dir.resolve("server"), 60);
        clientConfig = server.rootCredentialsFile();
        assertThat(clientConfig).isRegularFile();
        Map<String, String> env = LifeSupport.workerEnv(server, dir.resolve("worker"), taskQueueId, workerId, 2);
        worker = Worker.builder(WorkerConfig.load(null, env)).build();
        worker.start();
        // an empty working directory: the CLI must not find credentials anywhere but --client-config
        cwd = Files.createDirectories(dir.resolve("cwd"));
    }

    @AfterAll
    static void stop() {
        try {
            if (worker != null) worker.close();
        } finally {
            LifeSupport.removeContainers(LABEL_WORKER_ID, workerId);
            if (server != null) server.close();
        }
    }

    /** {@code berth <command…> --client-config F [options] [args]}: options go before the positional arguments. */
    private static Result cli(List<String> command, String... rest) {
        List<String> args = new ArrayList<>(command);
        args.add("--client-config");
        args.add(clientConfig.toString());
        args.addAll(List.of(rest));
        return LifeSupport.run(LifeSupport.berth(cwd, Map.of(), args.toArray(String[]::new)), CLI_TIMEOUT);
    }

    private static String createTask(String... rest) {
        List<String> args = new ArrayList<>(List.of("-q", taskQueueId));
        args.addAll(List.of(rest));
        Result created = cli(List.of("task", "create"), args.toArray(String[]::new));
        assertThat(created.exitCode()).as("task create: %s", created).isZero();
        String taskId = created.out().trim();
        assertThat(taskId).as("task create prints the task id alone: %s", created).matches("[A-Za-z0-9_-]{22}");
        assertThat(created.err()).contains("created task " + taskId);
        return taskId;
    }

    @Test
    void aFailingTaskIsCreatedWaitedForLoggedStatusedAndItsLogDownloaded() throws Exception {
        String taskId = createTask("--image", LifeSupport.IMAGE, "--", "sh", "-c", "echo hi; exit 3");

        Result wait = cli(List.of("task", "wait"), "--timeout", "90", taskId);
        assertThat(wait.exitCode()).as("task wait of a failed task: %s", wait).isEqualTo(1);
        assertThat(wait.out()).contains(taskId + " failed");

        Result log = cli(List.of("task", "log"), taskId);
        assertThat(log.exitCode()).as("task log: %s", log).isZero();
        assertThat(log.out()).contains("hi\n");

        Result status = cli(List.of("task", "status"), taskId);
        assertThat(status.exitCode()).as("task status: %s", status).isZero();
        assertThat(status.out()).contains(taskId + "  failed").contains("run 0: failed").contains("on life-it/" + workerId);

        Path file = dir.resolve("live.log");
        Result get = cli(List.of("artifact", "get"), "-o", file.toString(), taskId, "public/logs/live.log");
        assertThat(get.exitCode()).as("artifact get: %s", get).isZero();
        assertThat(get.err()).contains("wrote " + file);
        assertThat(Files.readString(file)).contains("hi\n").isEqualTo(log.out());
    }

    @Test
    void followingTheLogOfANewTaskWaitsForItAndEndsWithTheRun() {
        String taskId = createTask("--image", LifeSupport.IMAGE, "--", "sh", "-c", "echo one; sleep 2; echo two");
        Result follow = cli(List.of("task", "log"), "-f", taskId);
        assertThat(follow.exitCode()).as("task log -f: %s", follow).isZero();
        assertThat(follow.out()).contains("one\n").contains("two\n");
        Result wait = cli(List.of("task", "wait"), "--timeout", "60", taskId);
        assertThat(wait.exitCode()).as("task wait of a completed task: %s", wait).isZero();
        assertThat(wait.out()).contains(taskId + " completed");
    }

    @Test
    void aYamlDefinitionWithOnlyAPayloadGetsEverythingElseDefaulted() throws Exception {
        Path yaml = dir.resolve("task.yaml");
        Files.writeString(yaml, """
                payload:
                  image: %s
                  command: [sh, -c, 'echo "from yaml $TASK_ID"']
                  maxRunTime: 60
                """.formatted(LifeSupport.IMAGE));
        String taskId = createTask("-f", yaml.toString());

        Result wait = cli(List.of("task", "wait"), "--timeout", "90", taskId);
        assertThat(wait.exitCode()).as("task wait: %s", wait).isZero();
        assertThat(wait.out()).contains(taskId + " completed");
        Result log = cli(List.of("task", "log"), taskId);
        assertThat(log.out()).contains("from yaml " + taskId);
    }

    @Test
    void anImageNameTheEngineRefusesEndsTheTaskMalformedWithAClearMessageInItsLog() {
        String bad = "Berth-Test/UPPER:latest"; // Docker repository names are lower case
        String taskId = createTask("--image", bad, "--", "true");

        Result wait = cli(List.of("task", "wait"), "--timeout", "90", taskId);
        assertThat(wait.exitCode()).as("task wait of a task with a bad image: %s", wait).isEqualTo(2);
        // the task's mistake (no retry would help), not an internal error of the worker
        assertThat(wait.out()).contains(taskId + " exception (malformed-payload)");
        Result log = cli(List.of("task", "log"), taskId);
        assertThat(log.exitCode()).as("task log: %s", log).isZero();
        assertThat(log.out()).contains("invalid image name '" + bad + "'").contains("must be lowercase");
    }

    @Test
    void anImageNameWithSpacesIsRejectedByThePayloadSchemaWithThePointerInTheLog() {
        String taskId = createTask("--image", "not a name", "--", "true");

        Result wait = cli(List.of("task", "wait"), "--timeout", "90", taskId);
        assertThat(wait.exitCode()).as("task wait: %s", wait).isEqualTo(2);
        assertThat(wait.out()).contains(taskId + " exception (malformed-payload)");
        Result log = cli(List.of("task", "log"), taskId);
        assertThat(log.out()).contains("the payload is malformed").contains("/image: does not match the regex pattern");
    }

    @Test
    void taskCreateWithoutImageOrCommandExitsNonZeroSayingWhatIsMissing() {
        Result nothing = cli(List.of("task", "create"), "-q", taskQueueId);
        assertThat(nothing.exitCode()).as("%s", nothing).isNotZero();
        assertThat(nothing.err()).contains("--image IMAGE -- command");
        assertThat(nothing.out()).isEmpty();

        Result noCommand = cli(List.of("task", "create"), "-q", taskQueueId, "--image", LifeSupport.IMAGE);
        assertThat(noCommand.exitCode()).as("%s", noCommand).isNotZero();
        assertThat(noCommand.err()).contains("--image IMAGE -- command");

        Result missingFile = cli(List.of("task", "create"), "-f", dir.resolve("nope.yaml").toString());
        assertThat(missingFile.exitCode()).as("%s", missingFile).isNotZero();
        assertThat(missingFile.err()).contains("no such file");
    }

    @Test
    void clientCreateWorkerMakesAClientHoldingOnlyTheWorkerScopesThatCanClaim() {
        String clientId = "worker/cli-" + LifeSupport.shortId();
        Result created = cli(List.of("client", "create-worker"), "--task-queue", "life-it/cw", "--worker-group", "g1",
                "--worker-id", "w1", clientId);
        assertThat(created.exitCode()).as("client create-worker: %s", created).isZero();
        Map<String, String> env = new java.util.HashMap<>();
        for (String line : created.out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertThat(env).containsEntry("TASKCLUSTER_CLIENT_ID", clientId).containsKey("TASKCLUSTER_ACCESS_TOKEN");

        BerthClient asWorker = new BerthClient(server.rootUrl(), new Credentials(clientId, env.get("TASKCLUSTER_ACCESS_TOKEN")));
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        assertThat(root.auth().client(clientId).get("expandedScopes").toString())
                .isEqualTo("[\"auth:expand-scopes\",\"purge-cache:purge-requests::life-it/cw\",\"queue:claim-task:life-it/cw\",\"queue:claim-work:life-it/cw\","
                        + "\"queue:worker-id:g1/w1\"]");
        assertThat(asWorker.queue().claimWork("life-it/cw", "g1", "w1", 1, Duration.ZERO).get("tasks")).isEmpty();
    }

    @Test
    void aTaskWithAnIndexRouteIsFoundByIndexFindAndListedAndIndexInsertKeepsTheHigherRank() throws Exception {
        String ns = "cli" + LifeSupport.shortId().toLowerCase().replaceAll("[^a-z0-9]", "");
        Path yaml = dir.resolve("indexed.yaml");
        Files.writeString(yaml, """
                routes: [index.%s.build.latest]
                extra: {index: {rank: 7}}
                payload:
                  image: %s
                  command: [sh, -c, 'echo built']
                  maxRunTime: 60
                """.formatted(ns, LifeSupport.IMAGE));
        String taskId = createTask("-f", yaml.toString());
        Result wait = cli(List.of("task", "wait"), "--timeout", "90", taskId);
        assertThat(wait.exitCode()).as("task wait: %s", wait).isZero();

        Result found = cli(List.of("index", "find"), ns + ".build.latest");
        assertThat(found.exitCode()).as("index find: %s", found).isZero();
        assertThat(found.out()).contains("\"taskId\" : \"" + taskId + "\"").contains("\"rank\" : 7");

        Result lower = cli(List.of("index", "insert"), "--rank", "3", ns + ".build.latest", createTask("--image", LifeSupport.IMAGE, "--", "true"));
        assertThat(lower.exitCode()).as("index insert with a lower rank: %s", lower).isEqualTo(1);
        assertThat(lower.err()).contains("keeps task " + taskId);
        Result pinned = cli(List.of("index", "insert"), "--rank", "9", "--data", "{\"why\":\"pinned\"}", ns + ".build.pinned", taskId);
        assertThat(pinned.exitCode()).as("index insert: %s", pinned).isZero();

        Result listed = cli(List.of("index", "list"), ns + ".build");
        assertThat(listed.exitCode()).as("index list: %s", listed).isZero();
        assertThat(listed.out()).contains(ns + ".build.latest  " + taskId + "  rank 7").contains(ns + ".build.pinned  " + taskId + "  rank 9");
        assertThat(cli(List.of("index", "list"), ns).out()).contains(ns + ".build.");

        Result missing = cli(List.of("index", "find"), ns + ".nothing");
        assertThat(missing.exitCode()).as("index find of nothing: %s", missing).isNotZero();
        assertThat(missing.err()).contains(ns + ".nothing");
    }

    @Test
    void imageHashLocalBuildsAndABuildOnAWorkerThatIsIndexedReusedAndRun() throws Exception {
        String name = "berth-cli-image-" + LifeSupport.shortId().toLowerCase().replaceAll("[^a-z0-9]", "");
        Path images = Files.createDirectories(dir.resolve("images"));
        Path folder = Files.createDirectories(images.resolve(name));
        Files.writeString(folder.resolve("Dockerfile"), "FROM " + LifeSupport.IMAGE + "\nRUN echo built > /built.txt\n");
        try {
            Result hash = LifeSupport.run(LifeSupport.berth(cwd, Map.of(), "image", "hash", folder.toString()), CLI_TIMEOUT);
            assertThat(hash.exitCode()).as("image hash: %s", hash).isZero();
            assertThat(hash.out().trim()).isEqualTo(dev.berth.core.images.ContextHash.of(folder)).hasSize(64);

            Result local = cli(List.of("image", "build"), "--local", folder.toString());
            assertThat(local.exitCode()).as("image build --local: %s", local).isZero();
            assertThat(local.out().trim()).isEqualTo(name + ":latest");
            assertThat(LifeSupport.docker("run", "--rm", name + ":latest", "cat", "/built.txt").out()).contains("built");

            Files.writeString(folder.resolve("VERSION"), "1.2\n");
            Files.writeString(images.resolve("REGISTRY"), "registry.example.test\n");
            Result versioned = cli(List.of("image", "build"), "--local", folder.toString());
            assertThat(versioned.exitCode()).as("image build --local with VERSION: %s", versioned).isZero();
            assertThat(versioned.out().trim()).isEqualTo("registry.example.test/" + name + ":1.2");

            // not indexed yet: built on the worker, uploaded, indexed; then found again by its hash
            Result built = cli(List.of("image", "build"), "--task-queue", taskQueueId, folder.toString());
            assertThat(built.exitCode()).as("image build in the cluster: %s", built).isZero();
            assertThat(built.err()).contains("context sent: berth/image-contexts/").contains("RUN echo built")
                    .contains("saved:").contains("with zstd");
            String contextHash = dev.berth.core.images.ContextHash.of(folder);
            String namespace = "docker.images.v2.level-1." + name;
            String builder = cli(List.of("index", "find"), namespace + ".hash." + contextHash).out()
                    .replaceAll("(?s).*\"taskId\" : \"([^\"]+)\".*", "$1");
            assertThat(built.out()).contains("taskId: '" + builder + "'").contains("type: indexed-image");
            assertThat(cli(List.of("index", "find"), namespace + ".latest").out()).contains(builder);

            Result reused = cli(List.of("image", "build"), "--task-queue", taskQueueId, folder.toString());
            assertThat(reused.exitCode()).as("image build of an indexed hash: %s", reused).isZero();
            assertThat(reused.err()).contains("reusing the image of task " + builder).doesNotContain("context sent");

            // and a task runs in it, found by the index
            Path yaml = dir.resolve("uses-built.yaml");
            Files.writeString(yaml, """
                    payload:
                      image: {type: indexed-image, namespace: '%s.latest', path: public/image.tar.zst}
                      command: [cat, /built.txt]
                      maxRunTime: 60
                    """.formatted(namespace));
            String user = createTask("-f", yaml.toString());
            Result wait = cli(List.of("task", "wait"), "--timeout", "90", user);
            assertThat(wait.exitCode()).as("task wait: %s\n%s", wait, cli(List.of("task", "log"), user)).isZero();
            assertThat(cli(List.of("task", "log"), user).out()).contains("built");
        } finally {
            LifeSupport.docker("rmi", "-f", name + ":latest", "registry.example.test/" + name + ":1.2");
        }
    }

    @Test
    void cachePurgeRecordsARequestThatCacheRequestsListsAndWorkersPoll() {
        String cache = "objdir-" + LifeSupport.shortId().toLowerCase();
        Result purge = cli(List.of("cache", "purge"), taskQueueId, cache);
        assertThat(purge.exitCode()).as("cache purge: %s", purge).isZero();
        assertThat(purge.err()).contains("purge of cache " + cache + " requested on every worker of " + taskQueueId);
        Result requests = cli(List.of("cache", "requests"));
        assertThat(requests.exitCode()).as("cache requests: %s", requests).isZero();
        assertThat(requests.out()).contains(taskQueueId + "  " + cache + "  before ");
        BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
        assertThat(root.request("GET", "purge-cache", "/purge-cache/" + BerthClient.encodeComponent(taskQueueId), null, null)
                .path("requests").findValuesAsText("cacheName")).contains(cache);
    }
}
