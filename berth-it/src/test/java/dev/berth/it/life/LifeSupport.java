package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.TaskBodies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the lifecycle ITs share: the packaged {@code berth} distribution run as a separate JVM, an
 * in-process server, task definitions, and the Docker CLI as an observer independent of Berth's own
 * docker-java code. Everything fails (never skips) when Docker or the distribution is missing.
 */
final class LifeSupport {

    static final String IMAGE = "berth-test/busybox:latest";
    static final String LABEL_WORKER_ID = "dev.berth.worker-id";
    static final String LABEL_TASK_ID = "dev.berth.task-id";
    static final String LABEL_RUN_ID = "dev.berth.run-id";

    private LifeSupport() {}

    static String shortId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    // ------------------------------------------------------------ the distribution

    /** {@code berth-app/target/berth-app-<version>.jar}, packaged by the reactor before berth-it runs. */
    static Path appJar() {
        Path target = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../berth-app/target").normalize();
        List<Path> jars;
        try (Stream<Path> s = Files.list(target)) {
            jars = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("berth-app-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-javadoc.jar") && !n.endsWith("-tests.jar");
            }).toList();
        } catch (IOException e) {
            throw new AssertionError("the berth distribution is not built: no " + target
                    + " (run the build with -pl berth-it -am so berth-app is packaged first)", e);
        }
        assertThat(jars).as("the berth-app jar in %s", target).hasSize(1);
        assertThat(target.resolve("lib")).as("the distribution's lib/ beside the jar").isDirectory();
        return jars.get(0);
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A {@code java -jar berth-app.jar args…} process builder with a clean Taskcluster/Berth environment. */
    static ProcessBuilder berth(Path workDir, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", appJar().toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKCLUSTER_") || k.startsWith("BERTH_"));
        pb.environment().putAll(env);
        return pb;
    }

    /** The result of a short-lived CLI invocation. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    static Result run(ProcessBuilder pb, Duration timeout) {
        try {
            Path out = Files.createTempFile("berth-cli-out", ".txt");
            Path err = Files.createTempFile("berth-cli-err", ".txt");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("`" + String.join(" ", pb.command()) + "` did not end within " + timeout
                            + "\n--- stdout ---\n" + Files.readString(out) + "--- stderr ---\n" + Files.readString(err));
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A long-running {@code berth …} process whose output goes to a file (shown when an assertion fails). */
    static final class BerthProcess implements AutoCloseable {
        final Process process;
        final Path output;

        BerthProcess(ProcessBuilder pb, Path output) {
            this.output = output;
            try {
                this.process = pb.redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String output() {
            try {
                return Files.isRegularFile(output) ? Files.readString(output) : "";
            } catch (IOException e) {
                return "(cannot read " + output + ": " + e + ")";
            }
        }

        long pid() {
            return process.pid();
        }

        /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) with kill(1). */
        void signal(String signal) {
            Result r = run(new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())), Duration.ofSeconds(10));
            assertThat(r.exitCode()).as("kill -%s %s: %s", signal, pid(), r).isZero();
        }

        /** SIGKILL, and waits until the process is gone. */
        void kill9() {
            process.destroyForcibly();
            try {
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("process %s ends after SIGKILL", pid()).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** SIGTERM (as a service manager stops it), then SIGKILL if it has not ended within {@code grace}. */
        void stop(Duration grace) {
            if (!process.isAlive()) return;
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
            }
        }

        /** Ends the process the hard way if it still runs; waits for it. */
        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** {@code berth worker} as its own JVM, claiming from {@code server} on {@code taskQueueId} as {@code workerId}. */
    static BerthProcess startWorker(BerthServer server, Path dir, String taskQueueId, String workerId) {
        Map<String, String> env = workerEnv(server, dir.resolve("worker-data"), taskQueueId, workerId, 1);
        return new BerthProcess(berth(dir, env, "worker"), logFile("worker-" + workerId));
    }

    /** The settings of a test worker claiming from {@code server} with its root credentials. */
    static Map<String, String> workerEnv(BerthServer server, Path dataDir, String taskQueueId, String workerId, int capacity) {
        return workerEnv(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()), dataDir,
                taskQueueId, WORKER_GROUP, workerId, capacity);
    }

    /** The worker group of test workers. */
    static final String WORKER_GROUP = "life-it";

    /** The settings of a test worker claiming from {@code rootUrl} with {@code credentials}. */
    static Map<String, String> workerEnv(String rootUrl, Credentials credentials, Path dataDir, String taskQueueId,
            String workerGroup, String workerId, int capacity) {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_ROOT_URL", rootUrl);
        env.put("TASKCLUSTER_CLIENT_ID", credentials.clientId());
        env.put("TASKCLUSTER_ACCESS_TOKEN", credentials.accessToken());
        env.put("BERTH_TASK_QUEUE", taskQueueId);
        env.put("BERTH_WORKER_ID", workerId);
        env.put("BERTH_WORKER_GROUP", workerGroup);
        env.put("BERTH_WORKER_CAPACITY", String.valueOf(capacity));
        env.put("BERTH_WORKER_MEMORY", "256m");
        env.put("BERTH_DATA_DIR", dataDir.toString());
        return env;
    }

    /** A file under target/life-it-logs (kept after the test, for a failure's post-mortem). */
    static Path logFile(String name) {
        Path logs = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target/life-it-logs");
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return logs.resolve(name + "-" + System.currentTimeMillis() + ".log");
    }

    // ------------------------------------------------------------ server and tasks

    static BerthServer startServer(Path dataDir, int claimTimeoutSeconds) {
        Map<String, String> env = Map.of(
                "BERTH_PORT", "0",
                "BERTH_DATA_DIR", dataDir.toString(),
                "BERTH_CLAIM_TIMEOUT", String.valueOf(claimTimeoutSeconds));
        return BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
    }

    static BerthClient rootClient(BerthServer server) {
        return new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
    }

    static ObjectNode shellTask(String taskQueueId, String script, int maxRunTime) {
        return TaskBodies.on(taskQueueId).image(IMAGE).shell(script).maxRunTime(maxRunTime).build();
    }

    static Run run(TaskStatus status, int runId) {
        return status.runs().stream().filter(r -> r.runId() == runId).findFirst().orElse(null);
    }

    static String describe(TaskStatus s) {
        StringBuilder b = new StringBuilder(s.taskId() + " " + s.state().wire());
        for (Run r : s.runs()) {
            b.append(" | run ").append(r.runId()).append(' ').append(r.state().wire())
                    .append(r.reasonResolved() != null ? "/" + r.reasonResolved().wire() : "")
                    .append(" (").append(r.reasonCreated().wire()).append(")")
                    .append(r.workerId() != null ? " on " + r.workerId() : "");
        }
        return b.toString();
    }

    // ------------------------------------------------------------ docker CLI

    /** Fails (does not skip) when no Docker engine answers or the test image is missing. */
    static void requireDocker() {
        Result info = docker("info", "--format", "{{.ServerVersion}}");
        assertThat(info.exitCode()).as("a Docker engine must answer (scripts/docker.sh starts one): %s", info).isZero();
        Result image = docker("image", "inspect", "--format", "{{.Id}}", IMAGE);
        assertThat(image.exitCode()).as("the test image %s must exist (bash scripts/test-images.sh builds it): %s", IMAGE, image)
                .isZero();
    }

    static Result docker(String... args) {
        return dockerOn(null, args);
    }

    /** The docker CLI against the engine at {@code host} ({@code unix:///…}), or the default engine when null. */
    static Result dockerOn(String host, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        if (host != null) cmd.addAll(List.of("-H", host));
        cmd.addAll(Arrays.asList(args));
        try {
            return run(new ProcessBuilder(cmd), Duration.ofSeconds(60));
        } catch (UncheckedIOException e) {
            throw new AssertionError("cannot run the docker CLI: " + e.getMessage(), e);
        }
    }

    /** Ids of all containers (running or not) with {@code label=value}. */
    static List<String> containers(String label, String value) {
        return containersOn(null, label, value);
    }

    /** Ids of all containers (running or not) with {@code label=value} on the engine at {@code host}. */
    static List<String> containersOn(String host, String label, String value) {
        Result r = dockerOn(host, "ps", "-a", "-q", "--no-trunc", "--filter", "label=" + label + "=" + value);
        assertThat(r.exitCode()).as("docker ps: %s", r).isZero();
        return r.out().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    static String containerState(String id) {
        return containerStateOn(null, id);
    }

    static String containerStateOn(String host, String id) {
        Result r = dockerOn(host, "inspect", "--format", "{{.State.Status}}", id);
        return r.exitCode() == 0 ? r.out().trim() : "absent";
    }

    static String label(String id, String label) {
        Result r = docker("inspect", "--format", "{{index .Config.Labels \"" + label + "\"}}", id);
        return r.exitCode() == 0 ? r.out().trim() : null;
    }

    static void removeContainers(String label, String value) {
        removeContainersOn(null, label, value);
    }

    static void removeContainersOn(String host, String label, String value) {
        List<String> ids = containersOn(host, label, value);
        if (!ids.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
            cmd.addAll(ids);
            dockerOn(host, cmd.toArray(String[]::new));
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Reads a (possibly still live) log until it holds {@code needle} or ends, and returns what was read:
     * the live log of a running task streams until the run ends, so reading it all would block.
     */
    static String readUntil(java.io.InputStream in, String needle) throws IOException {
        java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0; ) {
            seen.write(buf, 0, n);
            if (seen.toString(StandardCharsets.UTF_8).contains(needle)) break;
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
