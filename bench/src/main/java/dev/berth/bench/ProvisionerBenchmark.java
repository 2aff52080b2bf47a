package dev.berth.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Lease;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.app.provisioner.ProvisionerSettings;
import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.pools.PoolDefinition;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.BerthServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The provisioner's figures (issue 11, item 8) on the local engine, with a server in this JVM (H2) and worker
 * containers of the given image (Berth's worker image) on the host's network.
 *
 * <ul>
 *   <li>cold: a task created on a pool with no worker (min 0, idleTimeout 0: each worker runs one task and leaves)
 *       until its run starts (claimed), provisioner rounds every {@code --interval} (1 s). Baseline, measured in
 *       the same run and alternated with it: {@code docker run --rm} of the same image running
 *       {@code berth --version} (a container and the worker's JVM starting, which a cold start also pays), and
 *       of {@code /bin/true} (the container alone).</li>
 *   <li>warm: the same on a pool whose one worker (min 1) already long-polls.</li>
 *   <li>idle: CPU time of one provisioner round (on this thread) over {@code --pools} idle pools (no tasks, min 0).</li>
 * </ul>
 *
 * <p>Options: {@code --image IMG} (required), {@code --task-image IMG} (berth-test/busybox:latest), {@code --n N} (5),
 * {@code --interval S} (1), {@code --pools P} (100), {@code --rounds R} (40).
 */
public final class ProvisionerBenchmark {

    private final String image;
    private final String taskImage;
    private final Path dir;
    private final BerthServer server;
    private final BerthClient root;
    private final String id = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private final List<String> pools = new ArrayList<>();

    private ProvisionerBenchmark(String image, String taskImage) throws IOException {
        this.image = image;
        this.taskImage = taskImage;
        this.dir = Files.createTempDirectory("berth-prov-bench-");
        // the workers run on the host's network: they reach the server on the loopback address
        this.server = BenchServer.start(dir.resolve("server"), Map.of("BERTH_LOG_FILE", "none"));
        this.root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
    }

    public static void main(String[] args) throws Exception {
        String image = null;
        String taskImage = "berth-test/busybox:latest";
        int n = 5, poolCount = 100, rounds = 40;
        double interval = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--image" -> image = args[++i];
                case "--task-image" -> taskImage = args[++i];
                case "--n" -> n = Integer.parseInt(args[++i]);
                case "--interval" -> interval = Double.parseDouble(args[++i]);
                case "--pools" -> poolCount = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (image == null) throw new IllegalArgumentException("--image <Berth worker image> is required");
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger rootLog) {
            rootLog.setLevel(ch.qos.logback.classic.Level.valueOf(System.getProperty("bench.log", "WARN")));
        }
        System.out.println(Machine.describe());
        System.out.printf(Locale.ROOT, "worker image: %s; task image: %s; provisioner interval %.1f s; n=%d%n", image, taskImage, interval, n);
        ProvisionerBenchmark b = new ProvisionerBenchmark(image, taskImage);
        try {
            b.run(n, Duration.ofMillis((long) (interval * 1000)), poolCount, rounds);
        } finally {
            b.close();
        }
    }

    private void run(int n, Duration interval, int poolCount, int rounds) throws Exception {
        // cold, alternated with the baselines so that the machine's drift hits both
        String cold = pool("cold", 0, 1, 0);
        List<Double> coldMs = new ArrayList<>();
        List<Double> jvmMs = new ArrayList<>();
        List<Double> trueMs = new ArrayList<>();
        try (Provisioner p = provisioner("cold", interval).start()) {
            for (int i = 0; i < n; i++) {
                waitFor(Duration.ofMinutes(1), () -> containers(cold).isEmpty());
                coldMs.add(startLatency(cold));
                jvmMs.add(dockerRun(List.of("--entrypoint", "/usr/local/bin/berth", image, "--version")));
                trueMs.add(dockerRun(List.of("--entrypoint", "/bin/true", image)));
            }
        }
        // warm: one worker already waiting
        String warm = pool("warm", 1, 1, 600);
        List<Double> warmMs = new ArrayList<>();
        try (Provisioner p = provisioner("warm", interval).start()) {
            waitFor(Duration.ofMinutes(2), () -> !containers(warm).isEmpty() && queueKnowsAWorkerOf(warm));
            for (int i = 0; i < n; i++) warmMs.add(startLatency(warm));
        }
        for (String pool : List.of(cold, warm)) {
            server.workerPools().delete(pool);
            removeContainers(pool);
        }
        // idle rounds over many pools
        for (int i = 0; i < poolCount; i++) pool("idle" + i, 0, 2, 60);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double cpuMs;
        double wallMs;
        try (Provisioner idle = provisioner("idle", interval)) {
            for (int i = 0; i < 5; i++) idle.round(); // warm-up
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) idle.round();
            cpuMs = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6 / rounds;
            wallMs = (System.nanoTime() - wall0) / 1e6 / rounds;
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "cold: task created -> run started  %s%n", summary(coldMs));
        System.out.printf(Locale.ROOT, "baseline: docker run --rm IMAGE berth --version  %s%n", summary(jvmMs));
        System.out.printf(Locale.ROOT, "baseline: docker run --rm IMAGE /bin/true        %s%n", summary(trueMs));
        System.out.printf(Locale.ROOT, "ratio cold / docker run berth --version (medians): %.2f%n", median(coldMs) / median(jvmMs));
        System.out.printf(Locale.ROOT, "warm: task created -> run started  %s%n", summary(warmMs));
        System.out.printf(Locale.ROOT, "idle: %d pools, one round %.2f CPU-ms on its thread (%.1f ms wall); at the default 5 s interval"
                + " %.3f %% of one core%n", poolCount, cpuMs, wallMs, cpuMs / 5000 * 100);
    }

    /** ms from the task's creation (its run's scheduled time) until a worker claimed it (its run's started time). */
    private double startLatency(String pool) throws Exception {
        String taskId = Slugid.nice();
        root.queue().createTask(taskId, task(pool));
        waitFor(Duration.ofMinutes(2), () -> root.queue().taskStatus(taskId).state().isResolved());
        TaskStatus s = root.queue().taskStatus(taskId);
        Run r = s.runs().get(0);
        if (r.started() == null || !"completed".equals(s.state().wire())) {
            throw new IllegalStateException("task " + taskId + " did not complete: " + s.state().wire());
        }
        return Duration.between(r.scheduled(), r.started()).toNanos() / 1e6;
    }

    private ObjectNode task(String pool) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode task = Json.MAPPER.createObjectNode();
        task.put("taskQueueId", pool);
        task.put("created", Json.format(now));
        task.put("deadline", Json.format(now.plus(Duration.ofHours(1))));
        ObjectNode payload = task.putObject("payload");
        payload.put("image", taskImage);
        payload.set("command", Json.MAPPER.valueToTree(List.of("true")));
        payload.put("maxRunTime", 60);
        ObjectNode meta = task.putObject("metadata");
        meta.put("name", "provisioner benchmark");
        meta.put("description", "true");
        meta.put("owner", "bench@localhost");
        meta.put("source", "https://localhost/bench/provisioner");
        return task;
    }

    private String pool(String name, int min, int max, int idleSeconds) {
        String poolId = "bench-" + id + "/" + name;
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("dockerHosts").add("unix:///var/run/docker.sock");
        c.put("image", image).put("pullPolicy", "never");
        c.put("minCapacity", min).put("maxCapacity", max).put("idleTimeout", idleSeconds);
        c.putObject("hostConfig").put("networkMode", "host");
        server.workerPools().create(poolId, new PoolDefinition("docker", "provisioner benchmark", c, "bench@localhost", false));
        pools.add(poolId);
        return poolId;
    }

    private Provisioner provisioner(String name, Duration interval) {
        ProvisionerSettings settings = ProvisionerSettings.defaults("bench-" + id + "-" + name, server.rootUrl())
                .withInterval(interval, Duration.ofSeconds(30));
        return new Provisioner(server.workerPools(), server.queue()::pendingCount, root, Lease.ALONE, settings, Clock.systemUTC());
    }

    private boolean queueKnowsAWorkerOf(String pool) {
        String type = pool.substring(pool.indexOf('/') + 1);
        for (String c : containers(pool)) {
            String worker = output(List.of("docker", "inspect", "--format",
                    "{{index .Config.Labels \"" + Provisioner.LABEL_WORKER + "\"}}", c)).strip();
            try {
                root.get("queue", "/provisioners/bench-" + id + "/worker-types/" + type + "/workers/" + worker);
                return true;
            } catch (BerthApiException e) {
                if (e.statusCode() != 404) throw e;
            }
        }
        return false;
    }

    private static List<String> containers(String pool) {
        return output(List.of("docker", "ps", "-aq", "--filter", "label=" + Provisioner.LABEL_POOL + "=" + pool))
                .lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static void removeContainers(String pool) throws IOException, InterruptedException {
        List<String> ids = containers(pool);
        if (ids.isEmpty()) return;
        List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
        rm.addAll(ids);
        EndToEndBenchmark.exec(rm);
    }

    private static double dockerRun(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "--rm", "--network", "none"));
        cmd.addAll(args);
        long t0 = System.nanoTime();
        int code = EndToEndBenchmark.exec(cmd);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (code != 0) throw new IllegalStateException(cmd + " exited " + code);
        return ms;
    }

    private static void waitFor(Duration atMost, BooleanSupplierWithException until) throws Exception {
        Instant end = Instant.now().plus(atMost);
        while (!until.getAsBoolean()) {
            if (Instant.now().isAfter(end)) throw new IllegalStateException("gave up waiting after " + atMost);
            Thread.sleep(20);
        }
    }

    @FunctionalInterface
    private interface BooleanSupplierWithException {
        boolean getAsBoolean() throws Exception;
    }

    private static String summary(List<Double> ms) {
        List<String> each = ms.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList();
        return String.format(Locale.ROOT, "median %.0f ms (each: %s)", median(ms), String.join(", ", each));
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted(Comparator.naturalOrder()).toList();
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }

    private void close() throws IOException, InterruptedException {
        for (String pool : pools) removeContainers(pool);
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String output(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
