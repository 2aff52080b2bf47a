package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.it.life.LifeSupport.Result;
import dev.berth.server.BerthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth pool} from the packaged distribution, as its own process, against a real server: create a pool from
 * YAML (and JSON with --id), list it, show it with its errors, list its workers, update it, delete it; and the
 * messages a user gets for a bad config and a pool that does not exist.
 */
class PoolCliIT {

    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    private static BerthServer server;
    private static Path clientConfig;
    private static Path cwd;

    @BeforeAll
    static void start() throws Exception {
        server = LifeSupport.startServer(dir.resolve("server"), 60);
        clientConfig = server.rootCredentialsFile();
        cwd = Files.createDirectories(dir.resolve("cwd"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static Result cli(List<String> command, String... rest) {
        List<String> args = new ArrayList<>(command);
        args.add("--client-config");
        args.add(clientConfig.toString());
        args.addAll(List.of(rest));
        return LifeSupport.run(LifeSupport.berth(cwd, Map.of(), args.toArray(String[]::new)), CLI_TIMEOUT);
    }

    @Test
    void aPoolFromYamlIsCreatedListedShownUpdatedAndDeleted() throws Exception {
        String pool = "pool-cli/y" + LifeSupport.shortId();
        Path yaml = cwd.resolve("pool.yaml");
        Files.writeString(yaml, """
                workerPoolId: %s
                description: builds on the local engine
                owner: ops@example.com
                config:
                  dockerHosts: [unix:///var/run/docker.sock]
                  image: berth/worker:latest
                  pullPolicy: never
                  minCapacity: 0
                  maxCapacity: 3
                  idleTimeout: 0
                  hostConfig:
                    memory: 2g
                    dns: [10.0.0.1]
                """.formatted(pool));

        Result created = cli(List.of("pool", "create"), "-f", yaml.toString());
        assertThat(created.exitCode()).as("pool create: %s", created).isZero();
        assertThat(created.out().trim()).isEqualTo(pool);
        assertThat(created.err()).contains("created worker pool " + pool).contains("max capacity 3");

        Result again = cli(List.of("pool", "create"), "-f", yaml.toString());
        assertThat(again.exitCode()).as("a second create: %s", again).isEqualTo(2);
        assertThat(again.err()).contains("409").contains("already exists");

        Result list = cli(List.of("pool", "list"));
        assertThat(list.exitCode()).as("pool list: %s", list).isZero();
        assertThat(list.out()).contains(pool + "  docker  requested 0  running 0  stopping 0  capacity 0/3  builds on the local engine");

        server.workerPools().reportError(pool, "worker-error", "exited before claiming", "exit 1\nno such image", null);
        Result show = cli(List.of("pool", "show", pool));
        assertThat(show.exitCode()).as("pool show: %s", show).isZero();
        assertThat(show.out()).contains("\"workerPoolId\" : \"" + pool + "\"").contains("\"memory\" : \"2g\"");
        assertThat(show.err()).contains("worker-error  exited before claiming").contains("no such image");

        server.workerPools().createWorker(pool, "local", "w1", Instant.now().plusSeconds(3600), null);
        Result workers = cli(List.of("pool", "workers", pool));
        assertThat(workers.exitCode()).as("pool workers: %s", workers).isZero();
        assertThat(workers.out()).contains("local/w1  requested  capacity 1");

        Files.writeString(yaml, Files.readString(yaml).replace("maxCapacity: 3", "maxCapacity: 7"));
        Result updated = cli(List.of("pool", "create"), "--update", "-f", yaml.toString());
        assertThat(updated.exitCode()).as("pool create --update: %s", updated).isZero();
        assertThat(updated.err()).contains("updated worker pool " + pool).contains("max capacity 7");

        Result deleted = cli(List.of("pool", "delete", pool));
        assertThat(deleted.exitCode()).as("pool delete: %s", deleted).isZero();
        assertThat(deleted.err()).contains("marked for deletion").contains("1 worker(s) are stopping first");
        assertThat(cli(List.of("pool", "workers", pool)).out()).contains("local/w1  stopping");
        assertThat(cli(List.of("pool", "list")).out()).contains(pool + "  null-provider");
    }

    @Test
    void aJsonFileWithoutConfigKeyAndAnIdOnTheCommandLineIsAPoolToo() throws Exception {
        String pool = "pool-cli/j" + LifeSupport.shortId();
        Path json = cwd.resolve("flat.json");
        Files.writeString(json, "{\"dockerHosts\": [\"unix:///var/run/docker.sock\"], \"dockerfile\": \"FROM berth/busybox:latest\\n\","
                + " \"maxCapacity\": 1}");

        Result created = cli(List.of("pool", "create"), "--id", pool, "-f", json.toString());
        assertThat(created.exitCode()).as("pool create: %s", created).isZero();
        assertThat(cli(List.of("pool", "show", pool)).out()).contains("\"dockerfile\" : \"FROM berth/busybox:latest\\n\"");
        Result none = cli(List.of("pool", "workers", pool));
        assertThat(none.err()).contains("has no workers");
    }

    /** The README's example pool.yaml is a pool the server accepts, so the docs cannot drift from the schema. */
    @Test
    void theReadmesExamplePoolYamlIsAccepted() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../README.md").normalize());
        int start = readme.indexOf("# pool.yaml:");
        assertThat(start).as("README has the example pool.yaml").isPositive();
        String yaml = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start));
        String pool = "pool-cli/r" + LifeSupport.shortId();
        Path file = cwd.resolve("readme-pool.yaml");
        Files.writeString(file, yaml);

        Result created = cli(List.of("pool", "create"), "--id", pool, "-f", file.toString());
        // the example names its own id: --id must agree with it, so the file is checked with the README's id replaced
        assertThat(created.err()).contains("differs from workerPoolId proj/docker");
        Files.writeString(file, yaml.replace("workerPoolId: proj/docker", "workerPoolId: " + pool));
        Result accepted = cli(List.of("pool", "create"), "-f", file.toString());
        assertThat(accepted.exitCode()).as("the README's pool.yaml: %s", accepted).isZero();
        assertThat(cli(List.of("pool", "show", pool)).out()).contains("\"maxCapacity\" : 3").contains("tcp://build-2:2376");
    }

    @Test
    void aBadConfigAndAMissingPoolAreSaidPlainly() throws Exception {
        Path bad = cwd.resolve("bad.yaml");
        Files.writeString(bad, """
                workerPoolId: pool-cli/bad
                config:
                  dockerHosts: [unix:///var/run/docker.sock]
                  image: x
                  maxCapacity: 1
                  hostConfig: {privileged: true}
                """);
        Result refused = cli(List.of("pool", "create"), "-f", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("400").contains("privileged");

        Result noId = cli(List.of("pool", "create"), "-f", cwd.resolve("missing.yaml").toString());
        assertThat(noId.exitCode()).isEqualTo(2);
        assertThat(noId.err()).contains("no such file");

        Result missing = cli(List.of("pool", "show", "pool-cli/nobody"));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("404").contains("pool-cli/nobody");
    }
}
