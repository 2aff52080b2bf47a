package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.auth.TokenSealer;
import dev.berth.it.ItSupport.PostgresDatabase;
import dev.berth.it.scale.ScaleOut;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two {@code berth server} processes on one PostgreSQL database, artifacts in one S3 bucket, behind nginx
 * (Debian's, run by this test on 127.0.0.1 with a generated config). Simulated workers claim and complete
 * tasks through nginx; one server is killed with SIGKILL under load. Every task still completes exactly
 * once, and a claimWork long poll and a live-log follower on the surviving server keep working.
 *
 * <p>What the servers share, as an operator must: the database URL, the server key (the {@code server-key}
 * file in each data directory: it seals stored access tokens and signs upload URLs), the root access token,
 * the artifact store (one S3 bucket, or one shared directory), and the rootUrl (the load balancer's URL,
 * since Hawk signs the host and port the client used, and handed-out URLs must reach any server).
 */
// alone (berth-it/pom.xml): a kill under load, CPU-heavy, would slow the tests beside it and be slowed by them
@Tag("serial")
class TwoServersBehindNginxIT {

    private static final Logger LOG = LoggerFactory.getLogger(TwoServersBehindNginxIT.class);
    private static final String Q = "/api/queue/v1";
    private static final int TASKS = 400;
    private static final int WORKERS = 6;
    private static final int KILL_AFTER_COMPLETED = 120;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private PostgresDatabase database;

    @AfterEach
    void tearDown() throws Exception {
        Collections.reverse(cleanup);
        for (AutoCloseable c : cleanup) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("clean-up step failed", e);
            }
        }
        if (database != null) database.close();
    }

    @Test
    void killingOneOfTwoServersUnderLoadLosesNoTaskAndTheSurvivorKeepsLongPollsAndLiveLogsGoing() throws Exception {
        Path dir = Files.createTempDirectory("berth-two-servers");
        String dbUrl = freshDatabase();
        int portA = freePort(), portB = freePort(), lbPort = freePort();
        String lbUrl = "http://127.0.0.1:" + lbPort;
        String rootToken = TokenSealer.generateAccessToken();
        String serverKey = TokenSealer.generateKey();
        String bucket = "berth-two-" + UUID.randomUUID().toString().substring(0, 13);

        LifeSupport.BerthProcess a = startServer(dir.resolve("a"), portA, lbUrl, dbUrl, rootToken, serverKey, bucket);
        awaitHealthy(portA, a);
        LifeSupport.BerthProcess b = startServer(dir.resolve("b"), portB, lbUrl, dbUrl, rootToken, serverKey, bucket);
        awaitHealthy(portB, b);
        Nginx nginx = Nginx.start(dir.resolve("nginx"), lbPort, List.of(portA, portB));
        cleanup.add(nginx);

        SignedHttp viaLb = SignedHttp.signed(lbUrl, "static/berth/root", rootToken);
        // Hawk signs the host the client used: a client of server B directly signs for B's address.
        SignedHttp onB = SignedHttp.signed("http://127.0.0.1:" + portB, "static/berth/root", rootToken);
        assertThat(viaLb.get(Q + "/ping").status()).isEqualTo(200);

        // A running task whose live log is written through the load balancer and followed on server B.
        LiveLog log = LiveLog.start(viaLb, onB);

        String queue = TaskFixtures.uniqueQueue();
        Set<String> created = ConcurrentHashMap.newKeySet();
        Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger retriedCalls = new AtomicInteger();
        List<String> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 3);
        try {
            Future<?> creator = pool.submit(() -> {
                for (int i = 0; i < TASKS && !stop.get(); i++) {
                    String id = TaskFixtures.slugId();
                    var body = ScaleOut.taskBody(queue);
                    retrying("createTask", retriedCalls, () -> viaLb.put(Q + "/task/" + id, body), 200);
                    created.add(id);
                }
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                String workerId = "w" + w;
                workers.add(pool.submit(() -> {
                    while (!stop.get() && completed.get() < TASKS) {
                        SignedHttp.Response resp = viaLb.post(Q + "/claim-work/" + queue,
                                Map.of("workerGroup", "two-servers", "workerId", workerId, "tasks", 2));
                        if (resp.status() != 200) {
                            retriedCalls.incrementAndGet();
                            sleep(200);
                            continue;
                        }
                        for (JsonNode t : resp.json().get("tasks")) {
                            String id = t.get("status").get("taskId").asText();
                            int runId = t.get("runId").asInt();
                            claims.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            SignedHttp run = SignedHttp.temporary(lbUrl, t.get("credentials"));
                            SignedHttp.Response done = retrying("reportCompleted", retriedCalls,
                                    () -> run.post(Q + "/task/" + id + "/runs/" + runId + "/completed", null), 200, 409);
                            if (done.status() == 200) completed.incrementAndGet();
                            else errors.add("reportCompleted " + id + "/" + runId + ": " + done);
                        }
                    }
                }));
            }

            await().atMost(Duration.ofMinutes(3)).until(() -> completed.get() >= KILL_AFTER_COMPLETED || !errors.isEmpty());
            assertThat(errors).isEmpty();
            a.process.destroyForcibly(); // SIGKILL
            assertThat(a.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            int completedAtKill = completed.get();
            int linesAtKill = log.appended();

            // A long poll on the survivor is answered by a task created after the kill.
            String pollQueue = TaskFixtures.uniqueQueue();
            Future<SignedHttp.Response> longPoll = pool.submit(() -> onB.post(Q + "/claim-work/" + pollQueue,
                    Map.of("workerGroup", "two-servers", "workerId", "poller", "tasks", 1)));
            sleep(1_000);
            String pollTask = TaskFixtures.slugId();
            retrying("createTask", retriedCalls, () -> viaLb.put(Q + "/task/" + pollTask, ScaleOut.taskBody(pollQueue)), 200);
            SignedHttp.Response polled = longPoll.get(20, TimeUnit.SECONDS);
            assertThat(polled.status()).isEqualTo(200);
            assertThat(polled.json().get("tasks")).hasSize(1);
            assertThat(polled.json().get("tasks").get(0).get("status").get("taskId").asText()).isEqualTo(pollTask);

            creator.get(3, TimeUnit.MINUTES);
            for (Future<?> f : workers) f.get(5, TimeUnit.MINUTES);
            assertThat(errors).isEmpty();

            String logText = log.finish();
            assertThat(log.appended()).as("lines appended after the kill").isGreaterThan(linesAtKill + 10);
            for (int i = 0; i < log.appended(); i++) {
                assertThat(logText).as("live log followed on B").contains("line " + i + "\n");
            }

            // every task completed exactly once: one completed run each, whatever claims were lost with A
            int extraRuns = 0;
            for (String id : created) {
                JsonNode status = retrying("status", retriedCalls, () -> viaLb.get(Q + "/task/" + id + "/status"), 200)
                        .json().get("status");
                assertThat(status.get("state").asText()).as(id).isEqualTo("completed");
                int completedRuns = 0;
                for (JsonNode r : status.get("runs")) if (r.get("state").asText().equals("completed")) completedRuns++;
                assertThat(completedRuns).as("completed runs of %s", id).isEqualTo(1);
                extraRuns += status.get("runs").size() - 1;
            }
            assertThat(created).hasSize(TASKS);
            assertThat(completed.get()).isEqualTo(TASKS);
            long claimedTwice = claims.values().stream().filter(n -> n.get() > 1).count();
            // the figures of this run, for the report (the test log level hides INFO)
            System.out.printf("two servers: %d tasks completed exactly once; server A killed (SIGKILL) after %d;"
                    + " %d runs lost with A and retried; %d tasks claimed twice; %d calls retried after 5xx or a"
                    + " broken connection; live log of %d lines followed on B%n",
                    TASKS, completedAtKill, extraRuns, claimedTwice, retriedCalls.get(), log.appended());
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    // ---- the live log

    /** A task's live log appended through the load balancer while a follower reads it from server B. */
    private static final class LiveLog {
        private final SignedHttp viaLb;
        private final String taskId;
        /** The run's credentials, replaced by each reclaim's. */
        private volatile SignedHttp run;
        private final String appendUrl;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger appended = new AtomicInteger();
        private final StringBuilder followed = new StringBuilder();
        private final Thread appender;
        private final Thread follower;

        private LiveLog(SignedHttp viaLb, String taskId, SignedHttp run, String appendUrl, HttpResponse<InputStream> follow) {
            this.viaLb = viaLb;
            this.taskId = taskId;
            this.run = run;
            this.appendUrl = appendUrl;
            this.appender = Thread.ofVirtual().start(this::appendLines);
            this.follower = Thread.ofVirtual().start(() -> {
                try (InputStream in = follow.body()) {
                    byte[] buf = new byte[4096];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        synchronized (followed) { followed.append(new String(buf, 0, n, StandardCharsets.UTF_8)); }
                    }
                } catch (IOException e) {
                    synchronized (followed) { followed.append("\n[follow failed: ").append(e).append("]"); }
                }
            });
        }

        static LiveLog start(SignedHttp viaLb, SignedHttp onB) {
            String queue = TaskFixtures.uniqueQueue();
            String taskId = TaskFixtures.slugId();
            var body = ScaleOut.taskBody(queue);
            assertThat(viaLb.put(Q + "/task/" + taskId, body).status()).isEqualTo(200);
            JsonNode t = viaLb.post(Q + "/claim-work/" + queue, Map.of("workerGroup", "two-servers", "workerId", "log",
                    "tasks", 1)).json().get("tasks").get(0);
            SignedHttp run = SignedHttp.temporary(viaLb.rootUrl(), t.get("credentials"));
            JsonNode created = run.post(Q + "/task/" + taskId + "/runs/0/artifacts/public/logs/live.log",
                    Map.of("storageType", "s3", "contentType", "text/plain; charset=utf-8",
                            "expires", body.get("deadline").asText())).json();
            String appendUrl = created.get("appendUrl").asText();
            assertThat(viaLb.send("POST", appendUrl, "start\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of())
                    .status()).isEqualTo(200);
            HttpResponse<InputStream> follow = onB.stream("GET", Q + "/task/" + taskId + "/runs/0/artifacts/public/logs/live.log");
            assertThat(follow.statusCode()).isEqualTo(200);
            return new LiveLog(viaLb, taskId, run, appendUrl, follow);
        }

        private void appendLines() {
            long reclaimAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (!stop.get()) {
                if (System.nanoTime() > reclaimAt) {
                    // the claim (15 s) is kept alive as a worker would, through whichever server answers
                    SignedHttp.Response r = run.post(Q + "/task/" + taskId + "/runs/0/reclaim", null);
                    if (r.status() == 200) {
                        run = SignedHttp.temporary(viaLb.rootUrl(), r.json().get("credentials"));
                        reclaimAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                    }
                }
                int i = appended.get();
                byte[] line = ("line " + i + "\n").getBytes(StandardCharsets.UTF_8);
                SignedHttp.Response r = viaLb.send("POST", appendUrl, line, "text/plain", Map.of());
                if (r.status() == 200) appended.incrementAndGet();
                sleep(r.status() == 200 ? 50 : 200); // a failed append (server gone) is sent again
            }
        }

        int appended() { return appended.get(); }

        /** Stops appending, finishes the log and resolves the run; answers what the follower on B read. */
        String finish() throws Exception {
            stop.set(true);
            appender.join(10_000);
            assertThat(run.put(Q + "/task/" + taskId + "/runs/0/artifacts/public/logs/live.log", Map.of()).status())
                    .isEqualTo(200);
            assertThat(run.post(Q + "/task/" + taskId + "/runs/0/completed", null).status()).isEqualTo(200);
            follower.join(15_000);
            assertThat(follower.isAlive()).as("the follow ends when the log is finished").isFalse();
            synchronized (followed) { return followed.toString(); }
        }
    }

    // ---- servers, database, nginx

    private LifeSupport.BerthProcess startServer(Path dataDir, int port, String rootUrl, String dbUrl, String rootToken,
                                                 String serverKey, String bucket) throws IOException {
        Files.createDirectories(dataDir);
        Path key = dataDir.resolve("server-key");
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, serverKey);
        Map<String, String> env = new HashMap<>(ScaleOut.s3Env(bucket));
        env.put("BERTH_PORT", String.valueOf(port));
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.put("BERTH_ROOT_URL", rootUrl);
        env.put("BERTH_DATA_DIR", dataDir.toString());
        env.put("BERTH_DATABASE_URL", dbUrl);
        env.put("BERTH_ROOT_ACCESS_TOKEN", rootToken);
        env.put("BERTH_CLAIM_TIMEOUT", "15");
        LifeSupport.BerthProcess p = new LifeSupport.BerthProcess(LifeSupport.berth(dataDir, env, "server"),
                LifeSupport.logFile("two-servers-" + dataDir.getFileName()));
        cleanup.add(p);
        return p;
    }

    private static void awaitHealthy(int port, LifeSupport.BerthProcess p) {
        SignedHttp direct = SignedHttp.anonymous("http://127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            if (!p.process.isAlive()) throw new AssertionError("server exited:\n" + p.output());
            try {
                return direct.get("/healthz").status() == 200;
            } catch (UncheckedIOException e) {
                return false;
            }
        });
    }

    private String freshDatabase() {
        database = PostgresDatabase.create();
        return database.url();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Sends again after a 502/503/504 or a broken connection (the load balancer or a server going away). */
    private static SignedHttp.Response retrying(String what, AtomicInteger retries,
                                                java.util.function.Supplier<SignedHttp.Response> call, int... accepted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            SignedHttp.Response r;
            try {
                r = call.get();
            } catch (UncheckedIOException e) {
                r = null;
            }
            if (r != null) {
                for (int ok : accepted) if (r.status() == ok) return r;
                if (r.status() < 500) throw new AssertionError(what + " answered " + r);
            }
            if (System.nanoTime() > deadline) throw new AssertionError(what + " kept failing: " + r);
            retries.incrementAndGet();
            sleep(200);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** nginx (Debian's, from scripts/nginx.sh) as this test's child, with its config and files in {@code dir}. */
    record Nginx(Process process, Path dir) implements AutoCloseable {

        static Nginx start(Path dir, int port, List<Integer> upstreams) throws Exception {
            Files.createDirectories(dir);
            // nginx's workers run as an unprivileged user when started as root: they must reach their temp dirs
            for (Path d : List.of(dir.getParent(), dir)) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            StringBuilder servers = new StringBuilder();
            for (int p : upstreams) servers.append("    server 127.0.0.1:").append(p).append(" max_fails=1 fail_timeout=10s;\n");
            String conf = """
                    worker_processes 1;
                    error_log %1$s/error.log warn;
                    pid %1$s/nginx.pid;
                    events { worker_connections 1024; }
                    http {
                      access_log off;
                      client_body_temp_path %1$s/body;
                      proxy_temp_path %1$s/proxy;
                      fastcgi_temp_path %1$s/fastcgi;
                      uwsgi_temp_path %1$s/uwsgi;
                      scgi_temp_path %1$s/scgi;
                      upstream berth {
                    %2$s    keepalive 16;
                      }
                      server {
                        listen 127.0.0.1:%3$d;
                        client_max_body_size 0;
                        location / {
                          proxy_pass http://berth;
                          proxy_http_version 1.1;
                          proxy_set_header Connection "";
                          proxy_set_header Host $http_host;
                          proxy_buffering off;
                          proxy_request_buffering off;
                          proxy_connect_timeout 2s;
                          proxy_read_timeout 120s;
                          proxy_next_upstream error timeout http_502 http_503;
                        }
                      }
                    }
                    """.formatted(dir, servers, port);
            Path confFile = dir.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            Path nginx = Path.of("/usr/sbin/nginx");
            assertThat(nginx).as("nginx (installed by scripts/nginx.sh)").isExecutable();
            Process p = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", confFile.toString(),
                    "-e", dir.resolve("error.log").toString(), "-g", "daemon off;")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
            Nginx n = new Nginx(p, dir);
            SignedHttp lb = SignedHttp.anonymous("http://127.0.0.1:" + port);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!p.isAlive()) throw new AssertionError("nginx exited: " + Files.readString(dir.resolve("stdout.log"))
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
                try {
                    return lb.get("/healthz").status() == 200;
                } catch (UncheckedIOException e) {
                    return false;
                }
            });
            return n;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy(); // SIGTERM: nginx's fast shutdown
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
