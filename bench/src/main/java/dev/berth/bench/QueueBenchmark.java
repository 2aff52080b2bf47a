package dev.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.store.Storage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Queue throughput: tasks per second through createTask → claimWork → reportCompleted over HTTP, with producer
 * threads creating tasks and simulated workers claiming and completing them, on top of a store that already
 * holds {@code --stored} resolved tasks on the same queue.
 *
 * <pre>
 * QueueBenchmark [--db=h2|pg] [--jdbc-url=URL] [--stored=10000] [--tasks=20000] [--warmup=3000]
 *                [--workers=8] [--producers=4] [--batch=4] [--in-flight=2000] [--max-seconds=300]
 *                [--data-dir=DIR] [--jfr=FILE] [--label=TEXT] [--server=process|in-process] [--server-opts=JVMOPTS]
 * </pre>
 *
 * The server runs in its own JVM ({@code --server=process}, the default: {@code dev.berth.app.Main server} from
 * this class path, with {@code --server-opts} as its JVM options; on 127.0.0.1, a free port) or in this one
 * ({@code --server=in-process}), unless {@code --root-url}, {@code --client-id} and {@code --access-token} name a
 * running one (then nothing is preloaded). The report gives CPU-ms per cycle of the server process, of PostgreSQL
 * and of this JVM (the load generator) separately, and the server's RSS. Workers report with the temporary
 * credentials claimWork hands out, as real workers do; creates are signed with the root client.
 */
public final class QueueBenchmark {

    static final String QUEUE = "bench/queue";

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = parseArgs(argv);
        int stored = Integer.parseInt(a.getOrDefault("stored", "10000"));
        int tasks = Integer.parseInt(a.getOrDefault("tasks", "20000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "3000"));
        int workers = Integer.parseInt(a.getOrDefault("workers", "8"));
        int producers = Integer.parseInt(a.getOrDefault("producers", "4"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "4"));
        int inFlight = Integer.parseInt(a.getOrDefault("in-flight", "2000"));
        int maxSeconds = Integer.parseInt(a.getOrDefault("max-seconds", "300"));
        String label = a.getOrDefault("label", "");
        String db = a.getOrDefault("db", "h2");

        BerthServer server = null;
        ServerProcess serverProcess = null;
        String rootUrl = a.get("root-url");
        String clientId = a.get("client-id");
        String accessToken = a.get("access-token");
        String jdbcUrl = a.get("jdbc-url");
        String serverMode = a.getOrDefault("server", "process");
        if (rootUrl == null) {
            Path dataDir = Path.of(a.getOrDefault("data-dir", Files.createTempDirectory("berth-bench").toString()));
            Files.createDirectories(dataDir);
            if (jdbcUrl == null) {
                if (!db.equals("h2")) throw new IllegalArgumentException("--db=pg needs --jdbc-url");
                jdbcUrl = "jdbc:h2:file:" + dataDir.resolve("db/berth");
            }
            db = jdbcUrl.startsWith("jdbc:postgresql:") ? "pg" : "h2";
            long t0 = System.nanoTime();
            String how = preload(jdbcUrl, stored);
            System.out.printf(Locale.ROOT, "preloaded %,d stored (completed) tasks in %.1f s (%s)%n", stored,
                    (System.nanoTime() - t0) / 1e9, how);
            int port = BenchServer.freePort();
            Map<String, String> env = new HashMap<>();
            env.put("BERTH_PORT", String.valueOf(port));
            env.put("BERTH_ROOT_URL", "http://127.0.0.1:" + port);
            env.put("BERTH_BIND_HOST", "127.0.0.1");
            env.put("BERTH_DATA_DIR", dataDir.toString());
            env.put("BERTH_DATABASE_URL", jdbcUrl);
            if (serverMode.equals("in-process")) {
                server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
                rootUrl = server.rootUrl();
                clientId = server.rootClientId();
                accessToken = server.rootAccessToken();
            } else if (serverMode.equals("process")) {
                accessToken = Slugid.nice() + Slugid.nice();
                env.put("BERTH_ROOT_ACCESS_TOKEN", accessToken);
                serverProcess = ServerProcess.start(env, a.getOrDefault("server-opts", ""), dataDir.resolve("server.log"));
                rootUrl = "http://127.0.0.1:" + port;
                clientId = "static/berth/root";
            } else {
                throw new IllegalArgumentException("--server is process or in-process, not " + serverMode);
            }
        } else if (clientId == null || accessToken == null) {
            throw new IllegalArgumentException("--root-url needs --client-id and --access-token");
        }
        if (!rootUrl.startsWith("http://127.0.0.1") && !rootUrl.startsWith("http://localhost")) {
            throw new IllegalArgumentException("the benchmark only talks to 127.0.0.1; got " + rootUrl);
        }

        String pgDb = jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:") ? databaseName(jdbcUrl) : null;
        DbStats dbStats = pgDb != null ? new DbStats(jdbcUrl) : null;
        Run run = new Run(rootUrl, clientId, accessToken, tasks, warmup, workers, producers, batch, inFlight);
        Jfr jfr = a.containsKey("jfr") ? new Jfr(Path.of(a.get("jfr")), serverProcess) : null;
        long serverPid = serverProcess == null ? -1 : serverProcess.pid();
        try {
            run.start();
            run.awaitWarmup(maxSeconds);
            if (dbStats != null) dbStats.before();
            Cpu cpuBefore = Cpu.now(serverPid, pgDb);
            if (jfr != null) jfr.start();
            String profiler = a.get("async-profiler"); // LIB:FILE, the server JVM's CPU profile of the measured window
            if (profiler != null) serverProcess.asyncProfiler(profiler.substring(0, profiler.indexOf(':')),
                    "start,event=" + a.getOrDefault("profile-event", "itimer") + ",interval=1000000");
            boolean finished = run.awaitEnd(maxSeconds);
            if (profiler != null) serverProcess.asyncProfiler(profiler.substring(0, profiler.indexOf(':')),
                    "stop,file=" + profiler.substring(profiler.indexOf(':') + 1) + ",collapsed");
            if (jfr != null) jfr.stop();
            run.cpu = Cpu.now(serverPid, pgDb).minus(cpuBefore);
            if (serverProcess != null) run.serverMemory = serverProcess.memory();
            Map<String, Double> dbDelta = dbStats == null ? Map.of() : dbStats.after();
            run.stop();
            report(label, db, jdbcUrl, stored, run, finished, dbDelta, dbStats, serverMode, a.getOrDefault("server-opts", ""));
            if (pgDb != null && run.cpu != null && !a.containsKey("no-baseline")) {
                // the same run's baseline: PostgreSQL doing the cycle's writes with nothing of Berth around them
                int measured = run.measuredTasks();
                double berthMs = ((serverPid < 0 ? run.cpu.self() : run.cpu.server()) + run.cpu.postgresOurs()) * 1000 / measured;
                PostgresBaseline.Result baseline = PostgresBaseline.run(jdbcUrl, pgDb, workers, measured, Math.max(1, warmup / 4));
                System.out.print(PostgresBaseline.report(baseline, run.tasksPerSecond(), berthMs, workers));
            }
        } finally {
            run.stop();
            if (server != null) server.close();
            if (serverProcess != null) serverProcess.close();
            if (dbStats != null) dbStats.close();
        }
        System.exit(0);
    }

    // ---- preload: completed tasks, written as the store writes them, in large transactions

    static final String[] COLUMNS = {"task_id", "task_queue_id", "task_group_id", "scheduler_id", "priority", "state",
            "deadline", "expires", "definition", "status"};

    /** One stored task's column values, built exactly as JdbcTaskStore.insertTask builds them. */
    record StoredRow(String taskId, String queue, String group, String scheduler, int priority, String state,
                     Instant deadline, Instant expires, String definition, String status) {
        static StoredRow build(long n, Instant now) {
            String taskId = Slugid.nice();
            TaskDefinition def = TaskDefinitions.fromRequest(taskId, taskBody("stored" + (n / 1000), now, n));
            TaskStatus st = TaskLifecycle.created(taskId, def, true, now);
            st = TaskLifecycle.claim(st, 0, "bench", "preload", now.plusSeconds(1200), now);
            st = TaskLifecycle.resolve(st, 0, TaskState.COMPLETED, now);
            return new StoredRow(taskId, def.taskQueueId(), def.taskGroupId(), def.schedulerId(),
                    def.priority().level(), st.state().wire(), def.deadline(), def.expires(), Json.write(def),
                    Json.write(st));
        }
    }

    /**
     * Stores {@code count} completed tasks on the measured queue, rows as JdbcTaskStore.insertTask writes them.
     * PostgreSQL: COPY in transactions of 100,000 rows (1M in about a minute here); H2: JDBC batches of 1,000
     * rows per transaction. One commit per task would take minutes for 100k on this disk. Returns how.
     */
    static String preload(String jdbcUrl, int count) throws Exception {
        if (count <= 0) return "nothing";
        boolean pg = jdbcUrl.startsWith("jdbc:postgresql:");
        try (Storage storage = Storage.open(jdbcUrl, null, null);
             Connection c = storage.dataSource().getConnection()) {
            c.setAutoCommit(false);
            Instant now = Instant.now();
            if (pg) copyRows(c, count, now);
            else batchRows(c, count, now);
            if (pg) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("VACUUM ANALYZE tasks");
                }
            }
        }
        // a sanity check through the store itself
        try (Storage storage = Storage.open(jdbcUrl, null, null)) {
            if (storage.tasks().countRunning(QUEUE) != 0) throw new IllegalStateException("preload left running tasks");
        }
        return pg ? "COPY, 100,000 rows per transaction, then VACUUM ANALYZE" : "JDBC batches of 1,000 rows per transaction";
    }

    private static void copyRows(Connection c, int count, Instant now) throws Exception {
        org.postgresql.copy.CopyManager copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
        String sql = "COPY tasks (" + String.join(", ", COLUMNS) + ") FROM STDIN";
        StringBuilder sb = new StringBuilder(1 << 20);
        org.postgresql.copy.CopyIn in = null;
        for (int n = 0; n < count; n++) {
            if (in == null) in = copy.copyIn(sql);
            StoredRow r = StoredRow.build(n, now);
            copyField(sb, r.taskId()).append('\t');
            copyField(sb, r.queue()).append('\t');
            copyField(sb, r.group()).append('\t');
            copyField(sb, r.scheduler()).append('\t');
            sb.append(r.priority()).append('\t');
            copyField(sb, r.state()).append('\t');
            sb.append(r.deadline()).append('\t');
            sb.append(r.expires()).append('\t');
            copyField(sb, r.definition()).append('\t');
            copyField(sb, r.status()).append('\n');
            boolean endOfTx = (n + 1) % 100_000 == 0 || n + 1 == count;
            if (sb.length() > (1 << 20) - 8192 || endOfTx) {
                byte[] bytes = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                in.writeToCopy(bytes, 0, bytes.length);
                sb.setLength(0);
            }
            if (endOfTx) {
                in.endCopy();
                in = null;
                c.commit();
            }
        }
    }

    /** COPY's text format: backslash, tab, newline and carriage return escaped. */
    private static StringBuilder copyField(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        return sb;
    }

    private static void batchRows(Connection c, int count, Instant now) throws Exception {
        try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO tasks (" + String.join(", ", COLUMNS)
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int n = 0; n < count; n++) {
                StoredRow r = StoredRow.build(n, now);
                ps.setString(1, r.taskId());
                ps.setString(2, r.queue());
                ps.setString(3, r.group());
                ps.setString(4, r.scheduler());
                ps.setInt(5, r.priority());
                ps.setString(6, r.state());
                ps.setObject(7, java.time.OffsetDateTime.ofInstant(r.deadline(), java.time.ZoneOffset.UTC));
                ps.setObject(8, java.time.OffsetDateTime.ofInstant(r.expires(), java.time.ZoneOffset.UTC));
                ps.setString(9, r.definition());
                ps.setString(10, r.status());
                ps.addBatch();
                if ((n + 1) % 1000 == 0 || n + 1 == count) {
                    ps.executeBatch();
                    c.commit();
                }
            }
        }
    }

    /** A docker-worker-like task: the shape Taskcluster users submit. */
    static ObjectNode taskBody(String taskGroupId, Instant now, long n) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("taskQueueId", QUEUE);
        b.put("schedulerId", "bench");
        b.put("taskGroupId", taskGroupId);
        b.put("created", Json.format(now));
        b.put("deadline", Json.format(now.plus(Duration.ofDays(1))));
        b.put("expires", Json.format(now.plus(Duration.ofDays(2))));
        b.putArray("routes");
        b.putArray("scopes");
        ObjectNode p = b.putObject("payload");
        p.put("image", "debian:12-slim");
        p.putArray("command").add("/bin/sh").add("-c").add("echo task " + n);
        p.put("maxRunTime", 600);
        p.putObject("env").put("BENCH", "1");
        ObjectNode m = b.putObject("metadata");
        m.put("name", "bench task " + n);
        m.put("description", "queue throughput benchmark");
        m.put("owner", "bench@berth.dev");
        m.put("source", "https://berth.dev/bench/queue");
        b.putObject("tags").put("kind", "bench");
        return b;
    }

    // ---- the measured run

    static final class Run {
        final String rootUrl;
        final String clientId;
        final String accessToken;
        final int tasks;
        final int warmup;
        final int workers;
        final int producers;
        final int batch;
        final int total;
        final Semaphore inFlight;
        final int inFlightLimit;
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger claimed = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger emptyClaims = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final Map<String, Long> createdAt = new ConcurrentHashMap<>();
        final CountDownLatch warm = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean measuring;
        Cpu cpu;
        String serverMemory;
        volatile boolean stopping;
        volatile long startNanos;
        volatile long endNanos;
        final AtomicLong measuredClaimCalls = new AtomicLong();
        final AtomicLong measuredClaimedTasks = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        final Samples createLat = new Samples();
        final Samples claimLat = new Samples();
        final Samples completeLat = new Samples();
        final Samples endToEnd = new Samples();

        Run(String rootUrl, String clientId, String accessToken, int tasks, int warmup, int workers, int producers,
            int batch, int inFlight) {
            this.rootUrl = rootUrl;
            this.clientId = clientId;
            this.accessToken = accessToken;
            this.tasks = tasks;
            this.warmup = warmup;
            this.workers = workers;
            this.producers = producers;
            this.batch = batch;
            this.total = warmup + tasks;
            this.inFlight = new Semaphore(inFlight);
            this.inFlightLimit = inFlight;
        }

        void start() {
            for (int i = 0; i < producers; i++) {
                int id = i;
                threads.add(Thread.ofPlatform().name("bench-producer-" + i).start(() -> produce(id)));
            }
            for (int i = 0; i < workers; i++) {
                int id = i;
                threads.add(Thread.ofPlatform().name("bench-worker-" + i).start(() -> work(id)));
            }
        }

        void awaitWarmup(int maxSeconds) throws InterruptedException {
            if (warmup == 0) onCompleted(0);
            if (!warm.await(maxSeconds, TimeUnit.SECONDS)) throw new IllegalStateException(
                    "warm-up did not finish in " + maxSeconds + " s: created " + created + ", completed " + completed
                            + ", errors " + errors + " (" + firstError.get() + ")");
        }

        boolean awaitEnd(int maxSeconds) throws InterruptedException {
            boolean ok = done.await(maxSeconds, TimeUnit.SECONDS);
            if (!ok) endNanos = System.nanoTime();
            return ok;
        }

        void stop() {
            stopping = true;
            for (Thread t : threads) t.interrupt();
            for (Thread t : threads) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        double tasksPerSecond() {
            int measured = Math.min(completed.get(), total) - warmup;
            return measured / ((endNanos - startNanos) / 1e9);
        }

        int measuredTasks() { return Math.min(completed.get(), total) - warmup; }

        private void onCompleted(int n) {
            if (n == warmup) {
                startNanos = System.nanoTime();
                measuring = true;
                warm.countDown();
            }
            if (n == total) {
                endNanos = System.nanoTime();
                measuring = false;
                done.countDown();
            }
        }

        private void produce(int id) {
            Http http = new Http(rootUrl);
            Instant now = Instant.now();
            String group = Slugid.nice();
            long n;
            try {
                while (!stopping) {
                    inFlight.acquire();
                    n = created.getAndIncrement();
                    if (n >= total) {
                        inFlight.release();
                        return;
                    }
                    String taskId = Slugid.nice();
                    byte[] body = Json.writeBytes(taskBody(group, now, n));
                    long t0 = System.nanoTime();
                    createdAt.put(taskId, t0);
                    boolean m = measuring;
                    HttpResponse<byte[]> r = http.send("PUT", "/api/queue/v1/task/" + taskId, body, clientId,
                            accessToken, null);
                    if (m && measuring) createLat.add(System.nanoTime() - t0);
                    if (r.statusCode() != 200) {
                        fail("createTask " + r.statusCode() + " " + new String(r.body()));
                        createdAt.remove(taskId);
                        inFlight.release();
                    }
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (Exception e) {
                fail("producer " + id + ": " + e);
            }
        }

        private void work(int id) {
            Http http = new Http(rootUrl);
            byte[] claimBody = Json.writeBytes(Map.of("workerGroup", "bench", "workerId", "w" + id, "tasks", batch));
            try {
                while (!stopping && claimed.get() < total) {
                    long t0 = System.nanoTime();
                    boolean m = measuring;
                    HttpResponse<byte[]> r = http.send("POST", "/api/queue/v1/claim-work/" + QUEUE, claimBody,
                            clientId, accessToken, null);
                    if (r.statusCode() != 200) {
                        fail("claimWork " + r.statusCode() + " " + new String(r.body()));
                        continue;
                    }
                    JsonNode claims = Json.MAPPER.readTree(r.body()).get("tasks");
                    if (m && measuring) {
                        claimLat.add(System.nanoTime() - t0);
                        measuredClaimCalls.incrementAndGet();
                        measuredClaimedTasks.addAndGet(claims.size());
                    }
                    if (claims.isEmpty()) emptyClaims.incrementAndGet();
                    claimed.addAndGet(claims.size());
                    for (JsonNode claim : claims) {
                        String taskId = claim.get("status").get("taskId").asText();
                        int runId = claim.get("runId").asInt();
                        JsonNode cred = claim.get("credentials");
                        String ext = Ext.encode(cred.get("certificate").asText(), null);
                        long t1 = System.nanoTime();
                        boolean m1 = measuring;
                        HttpResponse<byte[]> done = http.send("POST",
                                "/api/queue/v1/task/" + taskId + "/runs/" + runId + "/completed", null,
                                cred.get("clientId").asText(), cred.get("accessToken").asText(), ext);
                        long t2 = System.nanoTime();
                        if (done.statusCode() != 200) {
                            fail("reportCompleted " + done.statusCode() + " " + new String(done.body()));
                            continue;
                        }
                        if (m1 && measuring) completeLat.add(t2 - t1);
                        Long c = createdAt.remove(taskId);
                        if (m1 && measuring && c != null) endToEnd.add(t2 - c);
                        inFlight.release();
                        onCompleted(completed.incrementAndGet());
                    }
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (Exception e) {
                if (!stopping) fail("worker " + id + ": " + e);
            }
        }

        private void fail(String what) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, what);
        }
    }

    /** One keep-alive HTTP/1.1 connection's worth of client, Hawk-signing every request. */
    static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final String rootUrl;

        Http(String rootUrl) { this.rootUrl = rootUrl; }

        HttpResponse<byte[]> send(String method, String path, byte[] body, String id, String key, String ext)
                throws IOException, InterruptedException {
            URI uri = URI.create(rootUrl + path);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Authorization", Hawk.header(method, uri, id, key, ext, null))
                    .header("Accept", "application/json");
            if (body != null) {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    /** Latency samples in nanoseconds. */
    static final class Samples {
        private long[] values = new long[1 << 14];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = nanos;
        }

        synchronized String summary() {
            if (size == 0) return "n=0";
            long[] v = Arrays.copyOf(values, size);
            Arrays.sort(v);
            return String.format(Locale.ROOT, "n=%d p50=%.2f p95=%.2f p99=%.2f max=%.2f ms", size,
                    ms(pct(v, 50)), ms(pct(v, 95)), ms(pct(v, 99)), ms(v[v.length - 1]));
        }

        private static long pct(long[] sorted, double p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }

        private static double ms(long nanos) { return nanos / 1e6; }
    }

    // ---- PostgreSQL counters (pg_stat_database, pg_stat_user_tables, pg_stat_statements when loaded)

    static final class DbStats implements AutoCloseable {
        private final Connection c;
        private Map<String, Double> before;
        private boolean statements;
        String version;
        final List<String> topStatements = new ArrayList<>();

        DbStats(String jdbcUrl) throws Exception {
            c = DriverManager.getConnection(jdbcUrl);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version()")) {
                rs.next();
                version = rs.getString(1);
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                s.executeQuery("SELECT 1 FROM pg_stat_statements LIMIT 1").close();
                statements = true;
            } catch (Exception e) {
                statements = false;
            }
        }

        void before() throws Exception {
            if (statements) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_stat_statements_reset()");
                } catch (Exception e) {
                    statements = false;
                }
            }
            before = snapshot();
        }

        Map<String, Double> after() throws Exception {
            Thread.sleep(600); // the statistics collector reports at most every 500 ms
            Map<String, Double> now = snapshot();
            Map<String, Double> delta = new LinkedHashMap<>();
            for (var e : now.entrySet()) delta.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0));
            if (statements) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT calls, total_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)"
                                + " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
                                + " WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 12")) {
                    while (rs.next()) {
                        topStatements.add(String.format(Locale.ROOT, "%8d calls %9.1f ms %8d rows  %s",
                                rs.getLong(1), rs.getDouble(2), rs.getLong(3), rs.getString(4)));
                    }
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT sum(calls), sum(total_exec_time) FROM pg_stat_statements WHERE dbid ="
                                + " (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                    rs.next();
                    delta.put("statements", rs.getDouble(1));
                    delta.put("statement_ms", rs.getDouble(2));
                }
            }
            return delta;
        }

        private Map<String, Double> snapshot() throws Exception {
            Map<String, Double> m = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT xact_commit, xact_rollback, blks_hit, blks_read, tup_returned, tup_fetched, tup_inserted,"
                            + " tup_updated, tup_deleted, deadlocks FROM pg_stat_database"
                            + " WHERE datname = current_database()")) {
                rs.next();
                for (int i = 1; i <= 10; i++) m.put(rs.getMetaData().getColumnName(i), rs.getDouble(i));
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT relname, seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables"
                            + " WHERE relname IN ('tasks', 'pending', 'dependencies')")) {
                while (rs.next()) {
                    m.put(rs.getString(1) + ".seq_scan", rs.getDouble(2));
                    m.put(rs.getString(1) + ".idx_scan", rs.getDouble(3));
                }
            }
            return m;
        }

        @Override
        public void close() {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    /**
     * A JFR recording (the "profile" settings) of the measured window, written to a file: of this JVM when the
     * server runs in it, else of the server process (through jcmd).
     */
    static final class Jfr {
        private final Path file;
        private final ServerProcess server;
        private jdk.jfr.Recording recording;

        Jfr(Path file, ServerProcess server) {
            this.file = file.toAbsolutePath();
            this.server = server;
        }

        void start() throws Exception {
            if (server != null) {
                server.jcmd("JFR.start", "name=bench", "settings=profile");
                return;
            }
            recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.start();
        }

        void stop() throws Exception {
            if (server != null) {
                server.jcmd("JFR.stop", "name=bench", "filename=" + file);
                return;
            }
            recording.stop();
            recording.dump(file);
            recording.close();
        }
    }

    /**
     * The server in its own JVM, started the way users start it ({@code berth server}, i.e. dev.berth.app.Main
     * from the same class path), with the benchmark's environment. Its CPU and memory are read from /proc.
     */
    static final class ServerProcess implements AutoCloseable {
        private final Process process;
        final String javaOpts;

        private ServerProcess(Process process, String javaOpts) {
            this.process = process;
            this.javaOpts = javaOpts;
        }

        static ServerProcess start(Map<String, String> env, String javaOpts, Path log) throws Exception {
            return start(List.of("dev.berth.app.Main", "server"), "Berth server is running", env, javaOpts, log);
        }

        /** Any main class of this class path (e.g. the floor server), ready when its log shows {@code ready}. */
        static ServerProcess start(List<String> mainAndArgs, String ready, Map<String, String> env, String javaOpts,
                                   Path log) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            for (String o : javaOpts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
            cmd.addAll(mainAndArgs);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            ServerProcess sp = new ServerProcess(pb.start(), javaOpts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!sp.process.isAlive()) throw new IllegalStateException("the server exited: see " + log);
                if (Files.exists(log) && Files.readString(log).contains(ready)) return sp;
                if (System.nanoTime() > deadline) {
                    sp.close();
                    throw new IllegalStateException("the server did not start in 120 s: see " + log);
                }
                Thread.sleep(100);
            }
        }

        long pid() { return process.pid(); }

        /**
         * Sends async-profiler (the agent library at {@code lib}) a command, loading it into the server JVM the
         * first time: "start,event=cpu,..." when the measured window opens, "stop,file=...,collapsed" when it closes.
         * Not a dependency: the library is named at run time (ASYNC_PROFILER in bench/queue/run.sh).
         */
        void asyncProfiler(String lib, String command) throws Exception {
            // quoted: jcmd's argument parser would otherwise cut the agent's options at the first comma
            jcmd("JVMTI.agent_load", lib, '"' + command + '"');
        }

        void jcmd(String... args) throws Exception {
            Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
            List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(pid())));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("jcmd " + String.join(" ", args) + ": " + out);
        }

        /** VmRSS and VmHWM (peak) of the server process, in MiB. */
        String memory() throws IOException {
            long rss = 0, hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
                if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("\\D", ""));
            }
            return String.format(Locale.ROOT, "RSS %.0f MiB (peak %.0f MiB)", rss / 1024.0, hwm / 1024.0);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    static String databaseName(String jdbcUrl) {
        String rest = jdbcUrl.substring(jdbcUrl.indexOf("//") + 2);
        rest = rest.substring(rest.indexOf('/') + 1);
        int q = rest.indexOf('?');
        return q < 0 ? rest : rest.substring(0, q);
    }

    /**
     * CPU seconds (from /proc) used by the benchmark JVM (the load generator, plus the server when it runs in
     * it), the server process, all PostgreSQL processes, and PostgreSQL's processes that work for this run (the
     * backends connected to the benchmark database and the cluster's background processes: WAL writer,
     * checkpointer, ...; not other sessions' backends), the whole machine; the load average.
     */
    record Cpu(double self, double server, double postgres, double postgresOurs, double machine, double idle,
               String load) {
        static final double HZ = 100.0;

        static Cpu now(long serverPid, String pgDb) {
            double self = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
            double server = serverPid < 0 ? Double.NaN : procCpu(Path.of("/proc/" + serverPid));
            double pg = 0, ours = 0;
            java.io.File[] procs = new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
            if (procs != null) {
                for (java.io.File f : procs) {
                    try {
                        String stat = Files.readString(f.toPath().resolve("stat"));
                        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                        if (!stat.substring(open + 1, close).equals("postgres")) continue;
                        double cpu = procCpu(f.toPath());
                        pg += cpu;
                        String cmdline = Files.readString(f.toPath().resolve("cmdline")).replace('\0', ' ');
                        boolean backend = cmdline.contains("(") || cmdline.contains("[local]")
                                || cmdline.contains("autovacuum worker");
                        if (!backend || (pgDb != null && cmdline.contains(" " + pgDb + " "))) ours += cpu;
                    } catch (Exception e) {
                        // process ended meanwhile
                    }
                }
            }
            double machine = 0, idle = 0;
            String load = "?";
            try {
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                for (int i = 1; i < Math.min(cpu.length, 9); i++) machine += Long.parseLong(cpu[i]) / HZ;
                idle = (Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])) / HZ;
                machine -= idle;
                load = Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (Exception e) {
                // not Linux
            }
            return new Cpu(self, server, pg, ours, machine, idle, load);
        }

        /** utime + stime of a process (all its threads), in seconds. */
        static double procCpu(Path proc) {
            try {
                String stat = Files.readString(proc.resolve("stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / HZ;
            } catch (IOException e) {
                return Double.NaN;
            }
        }

        Cpu minus(Cpu before) {
            return new Cpu(self - before.self, server - before.server, postgres - before.postgres,
                    postgresOurs - before.postgresOurs, machine - before.machine, idle - before.idle,
                    before.load + " -> " + load);
        }
    }

    // ---- report

    static void report(String label, String db, String jdbcUrl, int stored, Run run, boolean finished,
                       Map<String, Double> dbDelta, DbStats dbStats, String serverMode, String serverOpts)
            throws IOException {
        int measured = run.measuredTasks();
        double tps = run.tasksPerSecond();
        StringBuilder sb = new StringBuilder();
        sb.append("=== Berth queue benchmark ").append(label).append(" ===\n");
        sb.append(String.format(Locale.ROOT, "database     %s%s%n", db.equals("pg") ? "PostgreSQL" : "H2 (embedded file)",
                dbStats != null ? " — " + dbStats.version : ""));
        sb.append(String.format(Locale.ROOT, "stored tasks %,d (completed, same queue) before the run%n", stored));
        sb.append(String.format(Locale.ROOT, "load         %d producers (createTask), %d workers (claimWork tasks<=%d,"
                + " reportCompleted with the claim's temporary credentials), in flight <= %d%n",
                run.producers, run.workers, run.batch, run.inFlightLimit));
        sb.append(String.format(Locale.ROOT, "measured     %,d tasks after %,d warm-up%s%n", measured, run.warmup,
                finished ? "" : " (STOPPED AT THE TIME LIMIT)"));
        sb.append(String.format(Locale.ROOT, "THROUGHPUT   %.0f tasks/s (created -> claimed -> completed), %.1f s%n", tps,
                (run.endNanos - run.startNanos) / 1e9));
        sb.append("createTask      ").append(run.createLat.summary()).append('\n');
        sb.append("claimWork       ").append(run.claimLat.summary()).append(String.format(Locale.ROOT,
                "  (%.2f tasks/call)%n", run.measuredClaimedTasks.get() / (double) Math.max(1, run.measuredClaimCalls.get())));
        sb.append("reportCompleted ").append(run.completeLat.summary()).append('\n');
        sb.append("end-to-end      ").append(run.endToEnd.summary()).append(" (createTask sent -> completed answered)\n");
        sb.append(String.format(Locale.ROOT, "server       %s%n", serverMode.equals("process")
                ? "own JVM (dev.berth.app.Main server" + (serverOpts.isBlank() ? ", default JVM options" : ", " + serverOpts)
                + "), load generator in this JVM" : "in this JVM, with the load generator"));
        if (run.cpu != null) {
            double secs = (run.endNanos - run.startNanos) / 1e9;
            Cpu c = run.cpu;
            boolean own = !Double.isNaN(c.server());
            double serverPlusPg = (own ? c.server() : c.self()) + (db.equals("pg") ? c.postgresOurs() : 0);
            if (!db.equals("pg")) {
                sb.append(String.format(Locale.ROOT, "CPU/CYCLE    server (with embedded H2) %.2f ms, load generator %s%n",
                        (own ? c.server() : c.self()) * 1000 / measured,
                        own ? String.format(Locale.ROOT, "%.2f ms", c.self() * 1000 / measured) : "(in the server JVM)"));
            } else sb.append(String.format(Locale.ROOT, "CPU/CYCLE    server+PostgreSQL %.2f ms (server %s, PostgreSQL %.2f ms,"
                            + " all postgres processes %.2f ms), load generator %s%n",
                    serverPlusPg * 1000 / measured,
                    own ? String.format(Locale.ROOT, "%.2f ms", c.server() * 1000 / measured)
                            : String.format(Locale.ROOT, "+ generator %.2f ms", c.self() * 1000 / measured),
                    c.postgresOurs() * 1000 / measured, c.postgres() * 1000 / measured,
                    own ? String.format(Locale.ROOT, "%.2f ms", c.self() * 1000 / measured) : "(in the server JVM)"));
            sb.append(String.format(Locale.ROOT, "cores        server %s, PostgreSQL %.2f, generator %s;"
                            + " whole machine busy %.2f of %d cores, idle %.2f%n",
                    own ? String.format(Locale.ROOT, "%.2f", c.server() / secs) : "-", c.postgresOurs() / secs,
                    own ? String.format(Locale.ROOT, "%.2f", c.self() / secs) : "-", c.machine() / secs,
                    Runtime.getRuntime().availableProcessors(), c.idle() / secs));
            sb.append("loadavg      ").append(c.load()).append('\n');
        }
        if (run.serverMemory != null) sb.append("server mem   ").append(run.serverMemory).append(" after the run\n");
        sb.append(String.format(Locale.ROOT, "errors       %d%s%n", run.errors.get(),
                run.firstError.get() == null ? "" : " first: " + run.firstError.get()));
        if (!dbDelta.isEmpty()) {
            sb.append("database per measured task:");
            for (var e : dbDelta.entrySet()) {
                if (e.getValue() != 0) sb.append(String.format(Locale.ROOT, " %s=%.2f", e.getKey(), e.getValue() / measured));
            }
            sb.append('\n');
            for (String s : dbStats.topStatements) sb.append("  ").append(s).append('\n');
        }
        sb.append(machine());
        System.out.print(sb);
    }

    static String machine() throws IOException {
        String cpu = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        String mem = "?";
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                long kb = Long.parseLong(line.replaceAll("\\D", ""));
                mem = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
            }
        }
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
        Path release = Path.of("/etc/os-release");
        if (Files.exists(release)) {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("PRETTY_NAME=")) os = line.substring(12).replace("\"", "") + ", kernel " + System.getProperty("os.version");
            }
        }
        return String.format(Locale.ROOT, "machine      %s, %d cores, %s, %s%njvm          %s %s (%s), heap max %d MiB%n",
                cpu, Runtime.getRuntime().availableProcessors(), mem, os, System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (String s : argv) {
            if (!s.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + s);
            int eq = s.indexOf('=');
            if (eq < 0) m.put(s.substring(2), "true");
            else m.put(s.substring(2, eq), s.substring(eq + 1));
        }
        return m;
    }
}
