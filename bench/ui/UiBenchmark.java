import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Time to first usable render of the web inspector's task-group page, in Debian's headless Chromium, for groups of
 * 1,000 and 10,000 pending tasks on PostgreSQL (a database of its own, dropped at the end) or H2.
 *
 * <p>The page marks {@code berth:group-first-rows} when its first rows are painted (it is usable: rows to open,
 * scrolling, filtering) and {@code berth:group-all-rows} once every page of listTaskGroup is read and counted; both
 * are read with the Chrome DevTools protocol (java.net.http's WebSocket, nothing to install) after fresh loads from
 * about:blank. The first load of each group also fetches the script; later ones take it from the cache.
 *
 * <p>Run by bench/ui/run.sh (a single-file program on berth-app's classpath). Options: --loads 5, --sizes 1000,10000,
 * --db pg|h2, --admin-url jdbc:postgresql://... (a database where CREATE DATABASE works), --chromium /usr/bin/chromium.
 */
public class UiBenchmark {

    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        int loads = Integer.parseInt(a.getOrDefault("loads", "5"));
        List<Integer> sizes = java.util.Arrays.stream(a.getOrDefault("sizes", "1000,10000").split(",")).map(Integer::valueOf).toList();
        String db = a.getOrDefault("db", "pg");
        String admin = a.getOrDefault("admin-url", System.getenv().getOrDefault("BERTH_TEST_DATABASE_URL",
                "jdbc:postgresql://127.0.0.1:5432/berth_test?user=berth&password=berth"));
        String chromium = a.getOrDefault("chromium", "/usr/bin/chromium");

        Path dataDir = Files.createTempDirectory("berth-uibench");
        String dbName = "berth_uibench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String jdbcUrl = db.equals("pg") ? admin.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + dbName)
                : "jdbc:h2:file:" + dataDir.resolve("db/berth");
        if (db.equals("pg")) sql(admin, "CREATE DATABASE " + dbName);
        BerthServer server = null;
        Process browser = null;
        try {
            int port = freePort();
            Map<String, String> env = new HashMap<>();
            env.put("BERTH_PORT", String.valueOf(port));
            env.put("BERTH_ROOT_URL", "http://127.0.0.1:" + port);
            env.put("BERTH_BIND_HOST", "127.0.0.1");
            env.put("BERTH_DATA_DIR", dataDir.toString());
            env.put("BERTH_DATABASE_URL", jdbcUrl);
            server = BerthServer.start(ServerConfig.load(null, env), Clock.systemUTC());
            BerthClient root = new BerthClient(server.rootUrl(), new Credentials(server.rootClientId(), server.rootAccessToken(), null));

            Map<Integer, String> groups = new java.util.LinkedHashMap<>();
            for (int n : sizes) groups.put(n, createGroup(root, n));

            Path profile = dataDir.resolve("chromium");
            browser = new ProcessBuilder(chromium, "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank").redirectErrorStream(true).start();
            String devtools = devtoolsUrl(browser);
            String chromiumVersion;
            List<String> lines = new ArrayList<>();
            try (Cdp browserSide = Cdp.open(devtools)) {
                chromiumVersion = browserSide.call("Browser.getVersion", Map.of()).path("product").asText();
                String targetId = browserSide.call("Target.createTarget", Map.of("url", "about:blank")).path("targetId").asText();
                String pageUrl = devtools.replaceFirst("/devtools/browser/.*", "/devtools/page/" + targetId);
                try (Cdp page = Cdp.open(pageUrl)) {
                    for (var g : groups.entrySet()) {
                        List<double[]> runs = new ArrayList<>();
                        for (int i = 0; i < loads; i++) {
                            page.call("Page.navigate", Map.of("url", "about:blank"));
                            Thread.sleep(200);
                            page.call("Page.navigate", Map.of("url", server.rootUrl() + "/#/groups/" + g.getValue()));
                            runs.add(awaitMarks(page, Duration.ofSeconds(120)));
                        }
                        lines.add(row(g.getKey(), runs));
                    }
                }
            }
            System.out.println();
            System.out.println(machine(chromiumVersion, db));
            System.out.println("| group | first rows, each load (ms) | median | all tasks read and counted, each load (ms) | median |");
            System.out.println("| --- | --- | --- | --- | --- |");
            lines.forEach(System.out::println);
        } finally {
            if (browser != null) browser.destroy();
            if (server != null) server.close();
            if (db.equals("pg")) sql(admin, "DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)");
            if (browser != null) browser.waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A group of n pending tasks on a queue no worker serves; its id. */
    static String createGroup(BerthClient root, int n) throws Exception {
        String groupId = slug();
        String queue = "bench-ui/idle-" + UUID.randomUUID().toString().substring(0, 8);
        long start = System.nanoTime();
        AtomicInteger made = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                int number = i;
                done.add(pool.submit(() -> {
                    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                    ObjectNode t = JSON.createObjectNode();
                    t.put("taskQueueId", queue).put("taskGroupId", groupId).put("created", now.toString())
                            .put("deadline", now.plus(1, ChronoUnit.DAYS).toString());
                    t.putObject("metadata").put("name", "task " + number).put("description", "bench/ui")
                            .put("owner", "bench@example.com").put("source", "https://berth.dev/bench/ui");
                    ObjectNode payload = t.putObject("payload").put("image", "busybox:latest").put("maxRunTime", 60);
                    payload.putArray("command").add("true");
                    root.queue().createTask(slug(), t);
                    made.incrementAndGet();
                }));
            }
            for (Future<?> f : done) f.get();
        }
        System.out.printf(Locale.ROOT, "created a group of %,d tasks in %.1f s%n", made.get(), (System.nanoTime() - start) / 1e9);
        return groupId;
    }

    /** Both marks of the task-group page, in ms since its navigation started, once the second is set. */
    static double[] awaitMarks(Cdp page, Duration within) throws Exception {
        long until = System.nanoTime() + within.toNanos();
        String js = "(() => { const m = (n) => { const e = performance.getEntriesByName(n); return e.length ? e[0].startTime : null; };"
                + " return JSON.stringify([m('berth:group-first-rows'), m('berth:group-all-rows')]); })()";
        while (System.nanoTime() < until) {
            JsonNode r = page.call("Runtime.evaluate", Map.of("expression", js, "returnByValue", true));
            JsonNode v = JSON.readTree(r.path("result").path("value").asText("[null,null]"));
            if (!v.get(1).isNull() && !v.get(0).isNull()) return new double[] {v.get(0).asDouble(), v.get(1).asDouble()};
            Thread.sleep(50);
        }
        throw new IllegalStateException("the page did not mark its rows within " + within);
    }

    static String row(int n, List<double[]> runs) {
        List<String> first = runs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r[0])).toList();
        List<String> all = runs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r[1])).toList();
        return String.format(Locale.ROOT, "| %,d tasks | %s | %.0f | %s | %.0f |", n, String.join(", ", first),
                median(runs.stream().mapToDouble(r -> r[0]).toArray()), String.join(", ", all),
                median(runs.stream().mapToDouble(r -> r[1]).toArray()));
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String machine(String chromium, String db) throws IOException {
        String cpu = "?";
        for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) if (l.startsWith("model name")) { cpu = l.replaceFirst(".*:\\s*", ""); break; }
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format(Locale.ROOT, "machine: %s, %d cores, load average %.1f; %s; database %s; JDK %s; %s",
                cpu, Runtime.getRuntime().availableProcessors(), load, chromium, db, System.getProperty("java.runtime.version"),
                Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    /** Chromium prints its DevTools address on stderr once it listens. */
    static String devtoolsUrl(Process browser) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith("DevTools listening on ")) return l.substring("DevTools listening on ".length()).strip();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("chromium exited before listening");
        });
        String found = url.get(30, TimeUnit.SECONDS);
        // keep draining its output so it never blocks on a full pipe
        Thread.ofVirtual().start(() -> { try { while (out.readLine() != null) { } } catch (IOException ignored) { } });
        return found;
    }

    static String slug() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        byte[] bytes = b.array();
        bytes[0] &= 0x7f;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void sql(String url, String statement) throws Exception {
        try (var c = DriverManager.getConnection(url); var s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** A Chrome DevTools protocol connection: numbered calls, each answered by the message with its id. */
    static final class Cdp implements WebSocket.Listener, AutoCloseable {
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Cdp open(String url) throws Exception {
            Cdp c = new Cdp();
            c.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), c).get(30, TimeUnit.SECONDS);
            return c;
        }

        JsonNode call(String method, Map<String, ?> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true).get(30, TimeUnit.SECONDS);
            JsonNode m = answer.get(60, TimeUnit.SECONDS);
            if (m.has("error")) throw new IllegalStateException(method + ": " + m.get("error"));
            return m.path("result");
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(partial.toString());
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                        if (f != null) f.complete(m);
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }
}
