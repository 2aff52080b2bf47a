package dev.berth.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.BerthServer;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * End-to-end benchmark: a task running {@code true} on an in-process server + Docker worker against
 * {@code docker run --rm} of the same image.
 *
 * <ul>
 *   <li>latency: N sequential tasks, each timed from the start of the createTask call until a status
 *       status GET, made as soon as the worker's report call returns, sees it resolved; the worker is idle with a claim long poll
 *       open before each one. Baseline: N sequential {@code docker run --rm IMAGE true}, timed to the
 *       process exit. Berth and docker runs alternate, so drift on the machine hits both alike.</li>
 *   <li>throughput: M tasks created back to back, time until all are resolved, at worker capacity 1
 *       and 2. Baseline: {@code seq M | xargs -P1/-P2 -I{} docker run --rm IMAGE true}, run right before
 *       and right after the Berth batch (mean of the two).</li>
 * </ul>
 *
 * <p>Per-phase timestamps inside the worker come from {@link Probe} (decorators of the worker's
 * container runtime and queue; no worker code is changed for them).
 *
 * <p>Warm-up: 60 tasks by default, so the server and worker are measured as they run after a while, not while their
 * JVMs still interpret or first-compile the request path (with 5 warm-ups each queue round trip took 2-3 times as
 * long and the latency ratio read 1.13 instead of 1.00-1.06).
 *
 * <p>Options: {@code --image IMG} (berth/busybox:latest), {@code --n N} (30), {@code --warmup W} (60),
 * {@code --tasks M} (100), {@code --capacities 1,2}, {@code --skip-throughput}, {@code --skip-latency}.
 */
public final class EndToEndBenchmark {

    static final Duration FALLBACK_POLL = Duration.ofMillis(100);
    static final Duration TASK_TIMEOUT = Duration.ofSeconds(60);

    private final String image;
    private final Path dir;
    private final BerthServer server;
    private final BerthClient client;
    private String taskQueueId;

    private Worker worker;
    private DockerContainerRuntime docker;
    private Probe probe;

    private EndToEndBenchmark(String image) throws IOException {
        this.image = image;
        this.dir = Files.createTempDirectory("berth-e2e-");
        this.server = BenchServer.start(dir.resolve("server"), Map.of());
        this.client = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken()));
    }

    public static void main(String[] args) throws Exception {
        String image = "berth/busybox:latest";
        int n = 30, warmup = 60, tasks = 100;
        List<Integer> capacities = List.of(1, 2);
        boolean latency = true, throughput = true, networkCost = false, liveLog = false;
        int lines = 200, liveTasks = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--image" -> image = args[++i];
                case "--n" -> n = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--tasks" -> tasks = Integer.parseInt(args[++i]);
                case "--capacities" -> capacities = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--skip-latency" -> latency = false;
                case "--skip-throughput" -> throughput = false;
                case "--network-cost" -> networkCost = true;
                case "--live-log" -> liveLog = true;
                case "--lines" -> lines = Integer.parseInt(args[++i]);
                case "--live-tasks" -> liveTasks = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        quietLogs();
        System.out.println("# Berth end-to-end benchmark (bench/e2e)");
        System.out.println(Machine.describe());
        System.out.println("image: " + image);
        EndToEndBenchmark bench = new EndToEndBenchmark(image);
        try {
            if (latency) bench.latency(n, warmup);
            if (networkCost) bench.networkCost(n, warmup);
            if (liveLog) bench.liveLog(liveTasks, lines);
            if (throughput) for (int c : capacities) bench.throughput(tasks, c);
        } finally {
            bench.close();
        }
    }

    // ---------------------------------------------------------------- latency

    private void latency(int n, int warmup) throws Exception {
        startWorker(1);
        System.out.println();
        System.out.println("## Latency: " + n + " sequential tasks [\"true\"] after " + warmup + " warm-ups, vs docker run --rm");
        for (int i = 0; i < warmup; i++) {
            runOneTask();
            dockerRun();
        }
        probe.clear();
        profiler("start");
        Map<String, double[]> serverBefore = serverTimes();
        List<Double> berth = new ArrayList<>(), plain = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] id = new String[1];
            berth.add(millis(runOneTask(id)));
            ids.add(id[0]);
            plain.add(millis(dockerRun()));
        }
        profiler("stop");
        double bMed = percentile(berth, 50), dMed = percentile(plain, 50);
        System.out.printf(Locale.ROOT, "berth task     : median %7.1f ms  p90 %7.1f ms  min %7.1f ms  max %7.1f ms%n",
                bMed, percentile(berth, 90), min(berth), max(berth));
        System.out.printf(Locale.ROOT, "docker run --rm: median %7.1f ms  p90 %7.1f ms  min %7.1f ms  max %7.1f ms%n",
                dMed, percentile(plain, 90), min(plain), max(plain));
        System.out.printf(Locale.ROOT, "latency ratio (berth median / docker run median): %.2f  (target <= 1.1)%n", bMed / dMed);
        System.out.println();
        System.out.println("### Where a task's time goes (median ms from createTask start; per-phase medians)");
        System.out.print(probe.phaseReport(ids));
        System.out.println();
        System.out.println("### The server's own time per request over the measured tasks (its request timers: route, requests per task, mean ms)");
        Map<String, double[]> serverAfter = serverTimes();
        serverAfter.forEach((route, after) -> {
            double[] before = serverBefore.getOrDefault(route, new double[2]);
            double count = after[0] - before[0];
            if (count > 0) {
                System.out.printf(Locale.ROOT, "  %-28s %5.2f  %6.2f ms%n", route, count / n, (after[1] - before[1]) / count);
            }
        });
        stopWorker();
    }

    /**
     * With {@code -Dbench.profile=<async-profiler options>} (e.g. {@code event=wall,interval=1ms,file=/tmp/x.collapsed,collapsed})
     * and async-profiler's jar first on the class path ({@code BENCH_CP_PREPEND}), the measured tasks are profiled: the
     * warm-up is not. Called by reflection, so the bench needs no profiler to build or run.
     */
    private static void profiler(String action) {
        String options = System.getProperty("bench.profile");
        if (options == null) return;
        try {
            Class<?> c = Class.forName("one.profiler.AsyncProfiler");
            Object p = c.getMethod("getInstance").invoke(null);
            String command = action.equals("start") ? "start," + options.replaceAll(",?file=[^,]*|,?collapsed|,?flamegraph", "") : "stop," + options;
            System.err.println("async-profiler " + command + ": " + c.getMethod("execute", String.class).invoke(p, command));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("-Dbench.profile needs async-profiler's jar on the class path", e);
        }
    }

    /** Per route of the server: requests so far and their total time in ms (from its request timers). */
    private Map<String, double[]> serverTimes() {
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (var t : server.meterRegistry().find("berth_http_requests").timers()) {
            double[] sum = out.computeIfAbsent(t.getId().getTag("route"), k -> new double[2]);
            sum[0] += t.count();
            sum[1] += t.totalTime(TimeUnit.MILLISECONDS);
        }
        return out;
    }

    /**
     * What a run's own network costs: tasks with {@code features.taskclusterProxy} (a network made, the proxy bound
     * on its gateway, both removed after the report) against plain ones, alternating.
     */
    private void networkCost(int n, int warmup) throws Exception {
        startWorker(1);
        System.out.println();
        System.out.println("## A run's own network: " + n + " tasks [\"true\"] with features.taskclusterProxy vs without, alternating");
        for (int i = 0; i < warmup; i++) {
            runOneTask();
            withProxy = true;
            runOneTask();
            withProxy = false;
        }
        List<Double> plain = new ArrayList<>(), proxied = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            plain.add(millis(runOneTask()));
            withProxy = true;
            try {
                proxied.add(millis(runOneTask()));
            } finally {
                withProxy = false;
            }
        }
        double p = percentile(plain, 50), q = percentile(proxied, 50);
        System.out.printf(Locale.ROOT, "without features : median %7.1f ms  p90 %7.1f ms%n", p, percentile(plain, 90));
        System.out.printf(Locale.ROOT, "taskclusterProxy : median %7.1f ms  p90 %7.1f ms%n", q, percentile(proxied, 90));
        System.out.printf(Locale.ROOT, "added by the network and the proxy: %+.1f ms (median)%n", q - p);
        stopWorker();
    }

    // ---------------------------------------------------------------- live log

    /** Lines printed by the live-log task before the reader is taken to be following (its backlog is skipped). */
    static final int LIVE_SKIP = 10;

    /**
     * Live-log latency: a task prints a line with the wall-clock time (from busybox {@code adjtimex}, microseconds)
     * every ~50 ms; a reader follows {@code public/logs/live.log} over HTTP (the queue's getLatestArtifact, as a
     * browser or {@code berth logs -f} does) and takes arrival − print time per line (same machine, same clock).
     * The server's {@code appendArtifactContent} requests are counted over the same time, per second of run.
     */
    private void liveLog(int tasks, int lines) throws Exception {
        startWorker(1);
        runOneTask();
        System.out.println();
        System.out.println("## Live log: " + tasks + " tasks each printing " + lines
                + " timestamped lines ~50 ms apart; a reader follows public/logs/live.log over HTTP");
        List<Double> latencies = new ArrayList<>();
        double requests = 0, seconds = 0;
        for (int t = 0; t < tasks; t++) {
            awaitIdle();
            String taskId = Slugid.nice();
            double appendsBefore = appendRequests();
            liveTask = lines;
            try {
                client.queue().createTask(taskId, task());
            } finally {
                liveTask = 0;
            }
            long[] span = new long[2];
            List<Double> one = followLiveLog(taskId, lines, span);
            awaitResolved(taskId, System.nanoTime());
            double appends = appendRequests() - appendsBefore;
            double runSeconds = (span[1] - span[0]) / 1e9;
            requests += appends;
            seconds += runSeconds;
            latencies.addAll(one);
            System.out.printf(Locale.ROOT, "task %d: %d lines measured, p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms; "
                    + "%.0f append requests over %.1f s of output (%.1f/s)%n", t + 1, one.size(), percentile(one, 50),
                    percentile(one, 99), max(one), appends, runSeconds, appends / runSeconds);
        }
        System.out.printf(Locale.ROOT, "line print -> reader: p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%d lines; target p50 <= 100, p99 <= 250)%n",
                percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), max(latencies), latencies.size());
        System.out.printf(Locale.ROOT, "append requests per second per running task: %.1f  (worker's LiveLog: %s)%n",
                requests / seconds, liveLogPacing());
        stopWorker();
    }

    /** Follows the task's live log from the moment it exists; per line printed after the first {@link #LIVE_SKIP}, arrival − print in ms. */
    private List<Double> followLiveLog(String taskId, int lines, long[] span) throws Exception {
        long giveUp = System.nanoTime() + TASK_TIMEOUT.toNanos();
        java.io.InputStream in = null;
        while (in == null) {
            try {
                in = client.queue().getLatestArtifact(taskId, "public/logs/live.log");
            } catch (RuntimeException e) {
                if (System.nanoTime() > giveUp) throw e;
                Thread.sleep(20);
            }
        }
        List<Double> out = new ArrayList<>();
        // the wall clock against the monotonic one: a clock stepped meanwhile (time sync) makes arrival - print meaningless
        long wallMinusMono = Instant.now().toEpochMilli() - System.nanoTime() / 1_000_000;
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                Instant arrived = Instant.now();
                if (!line.startsWith("L ")) continue;
                String[] f = line.trim().split(" +");
                int i = Integer.parseInt(f[1]);
                if (i == 0) span[0] = System.nanoTime();
                if (i == lines - 1) span[1] = System.nanoTime();
                if (i < LIVE_SKIP) continue;
                long drift = arrived.toEpochMilli() - System.nanoTime() / 1_000_000 - wallMinusMono;
                if (Math.abs(drift) > 20) {
                    throw new IllegalStateException("the wall clock was stepped by " + drift + " ms while following the log: "
                            + "latencies cannot be measured now (run again)");
                }
                // with STA_NANO (0x2000) in the status, set by a time daemon, the "tv_usec" field holds nanoseconds
                boolean nano = (Long.parseLong(f[4]) & 0x2000) != 0;
                Instant printed = Instant.ofEpochSecond(Long.parseLong(f[2]), Long.parseLong(f[3]) * (nano ? 1 : 1000));
                out.add(Duration.between(printed, arrived).toNanos() / 1e6);
                if (i == lines - 1) break;
            }
        }
        return out;
    }

    /** How the worker on the classpath paces its log requests (read by name, so an older worker jar can be measured too). */
    private static String liveLogPacing() {
        for (String field : List.of("SEND_INTERVAL", "FLUSH_DELAY")) {
            try {
                Object d = dev.berth.worker.queue.LiveLog.class.getField(field).get(null);
                return field + " = " + ((Duration) d).toMillis() + " ms, from "
                        + dev.berth.worker.queue.LiveLog.class.getProtectionDomain().getCodeSource().getLocation();
            } catch (ReflectiveOperationException e) {
                // not this one
            }
        }
        return "unknown";
    }

    /** The server's appendArtifactContent requests so far. */
    private double appendRequests() {
        return server.meterRegistry().find("berth_http_requests").tag("route", "appendArtifactContent").timers().stream()
                .mapToDouble(t -> t.count()).sum();
    }

    /** When non-zero, the next task prints this many timestamped lines (see {@link #liveLog}). */
    private int liveTask;

    /** Whether the next task asks for taskclusterProxy (so its run gets a network of its own). */
    private boolean withProxy;

    /** One task, the worker idle beforehand; returns createTask start → resolved as seen by a status poll. */
    private Duration runOneTask(String... idOut) throws Exception {
        awaitIdle();
        String taskId = Slugid.nice();
        if (idOut.length > 0) idOut[0] = taskId;
        long t0 = System.nanoTime();
        probe.mark(taskId, Probe.CREATE);
        client.queue().createTask(taskId, task());
        probe.mark(taskId, Probe.CREATED);
        awaitResolved(taskId, t0);
        long t1 = System.nanoTime();
        probe.mark(taskId, Probe.SEEN_RESOLVED);
        return Duration.ofNanos(t1 - t0);
    }

    /**
     * Waits for the worker's report call for the task to return (an in-process signal from
     * {@link Probe}, so the benchmark does not load the 2-core machine with fast status polls), with
     * a status poll every {@link #FALLBACK_POLL} as a fallback, then confirms with a status GET that
     * the queue has the task resolved. The time taken ends after that GET.
     */
    private void awaitResolved(String taskId, long t0) throws InterruptedException {
        while (true) {
            boolean reported = probe.awaitReported(taskId, FALLBACK_POLL);
            TaskStatus s = client.queue().taskStatus(taskId);
            if (s.state().isResolved()) {
                if (s.state() != TaskState.COMPLETED) {
                    String log;
                    try (java.io.InputStream in = client.queue().getLatestArtifact(taskId, "public/logs/live.log")) {
                        log = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    } catch (RuntimeException | IOException e) {
                        log = "(no log: " + e + ")";
                    }
                    throw new IllegalStateException("task " + taskId + " ended " + s.state().wire() + " " + s.runs() + "; its log:\n" + log);
                }
                return;
            }
            if (reported) throw new IllegalStateException("task " + taskId + " reported but not resolved: " + s.state().wire());
            if (System.nanoTime() - t0 > TASK_TIMEOUT.toNanos()) throw new IllegalStateException("task " + taskId + " not resolved in time");
        }
    }

    /** Until no run is active and the claim loop has a long poll open (given 20 ms to reach the server). */
    private void awaitIdle() throws InterruptedException {
        long giveUp = System.nanoTime() + TASK_TIMEOUT.toNanos();
        while (worker.runningCount() > 0 || !probe.claimPollOpen()) {
            if (System.nanoTime() > giveUp) throw new IllegalStateException("the worker did not become idle");
            Thread.sleep(1);
        }
        Thread.sleep(20);
    }

    private Duration dockerRun() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int code = exec(List.of("docker", "run", "--rm", image, "true"));
        long t1 = System.nanoTime();
        if (code != 0) throw new IllegalStateException("docker run exited " + code);
        return Duration.ofNanos(t1 - t0);
    }

    // ---------------------------------------------------------------- throughput

    private void throughput(int tasks, int capacity) throws Exception {
        startWorker(capacity);
        for (int i = 0; i < 3; i++) runOneTask();
        awaitIdle();
        probe.clear();
        System.out.println();
        System.out.println("## Throughput: " + tasks + " tasks [\"true\"] at worker capacity " + capacity
                + " vs seq " + tasks + " | xargs -P" + capacity + " docker run --rm");
        double before = xargs(tasks, capacity);
        List<String> ids = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            String id = Slugid.nice();
            ids.add(id);
            probe.mark(id, Probe.CREATE);
            client.queue().createTask(id, task());
        }
        long created = System.nanoTime();
        // a batch on a loaded machine takes far longer than one task: each task gets TASK_TIMEOUT after the one before
        for (String id : ids) awaitResolved(id, System.nanoTime());
        double berth = (System.nanoTime() - t0) / 1e9;
        Probe throughputProbe = probe;
        stopWorker();

        // the baseline runs right before and right after the Berth batch; their mean is the figure,
        // so a load that drifts during the benchmark weighs on both sides alike
        double plain = (before + xargs(tasks, capacity)) / 2;
        System.out.printf(Locale.ROOT, "berth, capacity %d        : %6.2f s  (%.1f tasks/s; creating them took %.2f s)%n",
                capacity, berth, tasks / berth, (created - t0) / 1e9);
        System.out.printf(Locale.ROOT, "xargs -P%d docker run --rm: %6.2f s  (%.1f runs/s; mean of the run before and after: %.2f s, %.2f s)%n",
                capacity, plain, tasks / plain, before, 2 * plain - before);
        System.out.printf(Locale.ROOT, "throughput ratio (docker time / berth time): %.2f  (target >= 0.95)%n", plain / berth);
        System.out.println("### Per-phase medians of the " + tasks + " tasks (\"at\" includes the time queued)");
        System.out.print(throughputProbe.phaseReport(ids));
    }

    private double xargs(int tasks, int capacity) throws IOException, InterruptedException {
        long d0 = System.nanoTime();
        int code = exec(List.of("sh", "-c", "seq " + tasks + " | xargs -P" + capacity + " -I{} docker run --rm " + image + " true"));
        if (code != 0) throw new IllegalStateException("xargs docker run exited " + code);
        return (System.nanoTime() - d0) / 1e9;
    }

    // ---------------------------------------------------------------- setup

    private ObjectNode task() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode task = Json.MAPPER.createObjectNode();
        task.put("taskQueueId", taskQueueId);
        task.put("created", Json.format(now));
        task.put("deadline", Json.format(now.plus(Duration.ofHours(1))));
        ObjectNode payload = task.putObject("payload");
        payload.put("image", image);
        if (liveTask > 0) {
            // the time of each line from adjtimex (µs); read by the shell itself, so one fork per line
            String script = "i=0; while [ $i -lt " + liveTask + " ]; do adjtimex > /tmp/t; "
                    + "while read k v r; do case $k in time.tv_sec:) s=$v;; time.tv_usec:) u=$v;; status:) t=$v;; esac; done < /tmp/t; "
                    + "echo \"L $i $s $u $t\"; i=$((i+1)); usleep 50000; done";
            payload.set("command", Json.MAPPER.valueToTree(List.of("sh", "-c", script)));
        } else {
            payload.set("command", Json.MAPPER.valueToTree(List.of("true")));
        }
        payload.put("maxRunTime", 60);
        if (withProxy) payload.putObject("features").put("taskclusterProxy", true);
        ObjectNode meta = task.putObject("metadata");
        meta.put("name", "e2e benchmark");
        meta.put("description", "true");
        meta.put("owner", "bench@localhost");
        meta.put("source", "https://localhost/bench/e2e");
        return task;
    }

    /**
     * Each worker gets a fresh task queue: a stopped worker's claim long poll may still be waiting on
     * the server, and would claim a task created on its queue for a worker that is gone.
     */
    private void startWorker(int capacity) {
        // the queue's name part must start with a letter and end with a letter or digit: a hex suffix only
        taskQueueId = "berth-bench/e2e-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1L << 60);
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_ROOT_URL", server.rootUrl());
        env.put("TASKCLUSTER_CLIENT_ID", server.rootClientId());
        env.put("TASKCLUSTER_ACCESS_TOKEN", server.rootAccessToken());
        env.put("BERTH_TASK_QUEUE", taskQueueId);
        env.put("BERTH_WORKER_CAPACITY", Integer.toString(capacity));
        env.put("BERTH_WORKER_ID", "bench-c" + capacity);
        env.put("BERTH_DATA_DIR", dir.resolve("worker").toString());
        String dockerHost = System.getenv("BERTH_DOCKER_HOST");
        if (dockerHost != null) env.put("BERTH_DOCKER_HOST", dockerHost);
        WorkerConfig cfg = WorkerConfig.load(null, env);
        docker = new DockerContainerRuntime(cfg.docker());
        docker.ping();
        BerthClient workerClient = new BerthClient(cfg.rootUrl(), new Credentials(cfg.clientId(), cfg.accessToken()));
        probe = new Probe(new dev.berth.worker.queue.ClientWorkQueue(workerClient, cfg.taskQueueId(), cfg.workerGroup(), cfg.workerId()),
                docker);
        worker = Worker.builder(cfg).queue(probe.queue()).runtime(probe.runtime()).build();
        worker.start();
    }

    private void stopWorker() {
        if (worker == null) return;
        worker.close();
        try {
            docker.close();
        } catch (IOException e) {
            System.err.println("closing the Docker client: " + e);
        }
        worker = null;
    }

    private void close() {
        stopWorker();
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }

    static int exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish");
        }
        return p.exitValue();
    }

    private static void quietLogs() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.valueOf(System.getProperty("bench.log", "WARN")));
        }
    }

    // ---------------------------------------------------------------- statistics

    static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }

    static double percentile(List<Double> xs, double p) {
        List<Double> s = xs.stream().sorted().toList();
        if (s.isEmpty()) return Double.NaN;
        double rank = p / 100.0 * (s.size() - 1);
        int lo = (int) Math.floor(rank), hi = (int) Math.ceil(rank);
        return s.get(lo) + (s.get(hi) - s.get(lo)) * (rank - lo);
    }

    static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
