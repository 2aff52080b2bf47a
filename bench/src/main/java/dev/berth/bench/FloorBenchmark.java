package dev.berth.bench;

import dev.berth.core.auth.Slugid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server side's floor for the queue benchmark: what three HTTP requests per create → claim → complete cycle
 * cost this machine over Berth's HTTP stack with nothing behind them ({@link FloorServer}, in its own JVM with the
 * options {@code berth server} gets), driven by the queue benchmark's own load generator (JDK HttpClient,
 * keep-alive, the same producers and workers, a claim answering one task). CPU-ms per cycle of the server process
 * are read from /proc as the queue benchmark reads them, the generator's apart.
 *
 * <pre>
 * FloorBenchmark [--levels=bytes,hawk,json,schema] [--tasks=20000] [--warmup=12000] [--workers=8] [--producers=4]
 *                [--server-opts=JVMOPTS] [--data-dir=DIR] [--async-profiler=LIB:DIR]
 *                [--berth-ms=2.5 --postgres-ms=0.5 --berth-label=pg-10k]   # the same run's figures, for the ratios
 * </pre>
 */
public final class FloorBenchmark {

    record Level(String name, int cycles, double seconds, QueueBenchmark.Cpu cpu, String memory, int errors,
                 String firstError, int emptyClaims, long claimCalls) {
        double serverMs() { return cpu.server() * 1000 / cycles; }
        double generatorMs() { return cpu.self() * 1000 / cycles; }
    }

    static final Map<String, String> WHAT = Map.of(
            "bytes", "(a) Javalin/Jetty answering fixed bytes of the real sizes",
            "hawk", "(b) + Hawk verification of every request, claim credentials issued",
            "json", "(c) + bodies parsed and answers written with Jackson, scope checks (RouteTable)",
            "schema", "(d) + request bodies validated against the JSON schemas");

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = QueueBenchmark.parseArgs(argv);
        List<String> levels = List.of(a.getOrDefault("levels", "bytes,hawk,json,schema").split(","));
        int tasks = Integer.parseInt(a.getOrDefault("tasks", "20000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "12000"));
        int workers = Integer.parseInt(a.getOrDefault("workers", "8"));
        int producers = Integer.parseInt(a.getOrDefault("producers", "4"));
        int maxSeconds = Integer.parseInt(a.getOrDefault("max-seconds", "240"));
        String opts = a.getOrDefault("server-opts", "");
        Path dir = Path.of(a.getOrDefault("data-dir", Files.createTempDirectory("berth-floor").toString()));
        Files.createDirectories(dir);
        List<Level> results = new ArrayList<>();
        for (String level : levels) {
            results.add(runLevel(level, tasks, warmup, workers, producers, maxSeconds, opts, dir, a.get("async-profiler")));
            System.out.print(report(results.getLast()));
        }
        System.out.print(summary(results, a, workers, producers, opts));
        System.exit(0);
    }

    static Level runLevel(String level, int tasks, int warmup, int workers, int producers, int maxSeconds,
                          String opts, Path dir, String profiler) throws Exception {
        int port = BenchServer.freePort();
        String token = Slugid.nice() + Slugid.nice();
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_PORT", String.valueOf(port));
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_ROOT_ACCESS_TOKEN", token);
        try (QueueBenchmark.ServerProcess server = QueueBenchmark.ServerProcess.start(
                List.of(FloorServer.class.getName(), level), FloorServer.READY, env, opts, dir.resolve("floor-" + level + ".log"))) {
            QueueBenchmark.Run run = new QueueBenchmark.Run("http://127.0.0.1:" + port, FloorServer.ROOT, token, tasks,
                    warmup, workers, producers, 1, 2000);
            try {
                run.start();
                run.awaitWarmup(maxSeconds);
                QueueBenchmark.Cpu before = QueueBenchmark.Cpu.now(server.pid(), null);
                String lib = profiler == null ? null : profiler.substring(0, profiler.indexOf(':'));
                if (lib != null) server.asyncProfiler(lib, "start,event=itimer,interval=1000000"); // not perf_events: see run.sh
                boolean finished = run.awaitEnd(maxSeconds);
                if (lib != null) server.asyncProfiler(lib, "stop,file=" + profiler.substring(profiler.indexOf(':') + 1)
                        + "/floor-" + level + ".collapsed,collapsed");
                QueueBenchmark.Cpu cpu = QueueBenchmark.Cpu.now(server.pid(), null).minus(before);
                String memory = server.memory();
                int measured = run.measuredTasks();
                if (!finished) throw new IllegalStateException("level " + level + " stopped at the time limit: " + measured
                        + " measured, created " + run.created + " claimed " + run.claimed + " completed " + run.completed
                        + ", errors " + run.errors + " (" + run.firstError.get() + ")");
                return new Level(level, measured, (run.endNanos - run.startNanos) / 1e9, cpu, memory, run.errors.get(),
                        run.firstError.get(), run.emptyClaims.get(), run.measuredClaimCalls.get());
            } finally {
                run.stop();
            }
        }
    }

    static String report(Level l) {
        return String.format(Locale.ROOT, "FLOOR %-6s %s%n       %.0f cycles/s, server %.3f CPU-ms/cycle, load generator %.3f ms;"
                        + " %.2f claim calls/cycle, %d empty claims (whole run), errors %d%s; server %s%n       loadavg %s%n",
                l.name(), WHAT.getOrDefault(l.name(), ""), l.cycles() / l.seconds(), l.serverMs(), l.generatorMs(),
                l.claimCalls() / (double) l.cycles(), l.emptyClaims(), l.errors(),
                l.firstError() == null ? "" : " (first: " + l.firstError() + ")", l.memory(), l.cpu().load());
    }

    static String summary(List<Level> levels, Map<String, String> a, int workers, int producers, String opts) throws Exception {
        StringBuilder sb = new StringBuilder("=== Queue floor: three HTTP requests per cycle, nothing behind them ===\n");
        sb.append(String.format(Locale.ROOT, "load         %d producers, %d workers, JDK HttpClient keep-alive, a claim answers"
                + " one task; server in its own JVM (%s)%n", producers, workers, opts.isBlank() ? "default options" : opts));
        for (Level l : levels) {
            sb.append(String.format(Locale.ROOT, "floor %-6s %.3f CPU-ms/cycle (%.0f cycles/s)%n", l.name(), l.serverMs(),
                    l.cycles() / l.seconds()));
        }
        String berth = a.get("berth-ms");
        String pg = a.get("postgres-ms");
        if (berth != null && pg != null && !levels.isEmpty()) {
            double berthMs = Double.parseDouble(berth);
            double pgMs = Double.parseDouble(pg);
            Level top = levels.getLast();
            sb.append(String.format(Locale.ROOT, "PostgreSQL alone (same run's baseline) %.3f CPU-ms/cycle%n", pgMs));
            for (Level l : levels) {
                sb.append(String.format(Locale.ROOT, "floor %-6s + PostgreSQL alone = %.3f CPU-ms/cycle%n", l.name(),
                        l.serverMs() + pgMs));
            }
            sb.append(String.format(Locale.ROOT, "Berth %s measured server+PostgreSQL %.3f CPU-ms/cycle%n",
                    a.getOrDefault("berth-label", ""), berthMs));
            sb.append(String.format(Locale.ROOT, "RATIO        Berth / (floor %s + PostgreSQL alone) %.2f×; Berth above that sum"
                            + " %.3f ms/cycle; the 1 ms target / that sum %.2f%n", top.name(),
                    berthMs / (top.serverMs() + pgMs), berthMs - top.serverMs() - pgMs, 1.0 / (top.serverMs() + pgMs)));
        }
        sb.append(QueueBenchmark.machine());
        return sb.toString();
    }
}
