package dev.berth.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU went in a JFR recording of the benchmark: execution samples split into the benchmark's own
 * client side and the server side, each attributed to the innermost frame that belongs to a known library
 * (Hawk/HMAC, Jackson, JSON Schema, JDBC driver, H2, Jetty, the JDK HTTP client, ...), plus inclusive shares of a
 * few Berth methods and the hottest leaf methods. Usage: {@code JfrSummary recording.jfr}.
 */
public final class JfrSummary {

    private static final String[][] CATEGORIES = {
            {"javax.crypto.", "Hawk/HMAC+SHA (crypto)"},
            {"sun.security.provider.", "Hawk/HMAC+SHA (crypto)"},
            {"com.sun.crypto.", "Hawk/HMAC+SHA (crypto)"},
            {"dev.berth.core.auth.", "Hawk/auth (Berth)"},
            {"dev.berth.server.auth.", "Hawk/auth (Berth)"},
            {"com.networknt.", "JSON Schema validation"},
            {"com.fasterxml.jackson.", "JSON (Jackson)"},
            {"org.postgresql.", "JDBC driver (PostgreSQL)"},
            {"org.h2.", "H2 engine"},
            {"com.zaxxer.hikari.", "connection pool (Hikari)"},
            {"org.eclipse.jetty.", "HTTP server (Jetty)"},
            {"io.javalin.", "HTTP server (Javalin)"},
            {"jdk.internal.net.http.", "HTTP client (JDK)"},
            {"java.net.http.", "HTTP client (JDK)"},
            {"io.micrometer.", "metrics (Micrometer)"},
            {"ch.qos.logback.", "logging"},
            {"org.slf4j.", "logging"},
            {"sun.nio.", "socket I/O (NIO)"},
            {"java.nio.", "socket I/O (NIO)"},
            {"java.time.", "java.time (formatting/parsing)"},
            {"java.util.regex.", "regex"},
            {"dev.berth.", "Berth code (queue, store, lifecycle)"},
    };

    private static final String[] INCLUSIVE = {
            "dev.berth.core.auth.Authenticator.authenticate",
            "dev.berth.core.auth.Hawk.header",
            "dev.berth.server.auth.HawkAuthenticator.temporaryCredentials",
            "dev.berth.server.http.Bodies.json",
            "dev.berth.core.task.TaskDefinitions.fromRequest",
            "dev.berth.core.task.TaskDefinitions.toJson",
            "dev.berth.core.json.Json.write",
            "dev.berth.store.JdbcTaskStore.insertTask",
            "dev.berth.store.JdbcTaskStore.modify",
            "dev.berth.store.JdbcTaskStore.claimPending",
            "dev.berth.store.JdbcTaskStore.findTask",
            "dev.berth.store.JdbcTaskStore.dependents",
            "dev.berth.store.JdbcTaskStore.parse",
            "dev.berth.core.queue.QueueService.createTask",
            "dev.berth.core.queue.QueueService.claimWork",
            "dev.berth.core.queue.QueueService.reportCompleted",
            "com.zaxxer.hikari.pool.HikariPool.getConnection",
    };

    public static void main(String[] args) throws Exception {
        Map<String, Map<String, Integer>> bySide = new LinkedHashMap<>();
        Map<String, Integer> inclusive = new LinkedHashMap<>();
        Map<String, Integer> leaves = new HashMap<>();
        int total = 0;
        int client = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) continue;
            RecordedStackTrace st = e.getStackTrace();
            if (st == null) continue;
            List<RecordedFrame> frames = st.getFrames();
            total++;
            RecordedThread thread = e.getThread("sampledThread");
            String threadName = thread == null || thread.getJavaName() == null ? "" : thread.getJavaName();
            boolean isClient = threadName.startsWith("bench-") || threadName.startsWith("HttpClient-");
            for (RecordedFrame f : frames) {
                if (f.getMethod().getType().getName().startsWith("dev.berth.bench.")) isClient = true;
            }
            if (isClient) client++;
            String category = "JDK/other";
            for (RecordedFrame f : frames) {
                String cls = f.getMethod().getType().getName();
                String hit = categoryOf(cls);
                if (hit != null) {
                    category = hit;
                    break;
                }
            }
            bySide.computeIfAbsent(isClient ? "client (benchmark threads)" : "server", k -> new HashMap<>())
                    .merge(category, 1, Integer::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
                for (String want : INCLUSIVE) {
                    if (m.equals(want) && seen.add(want)) inclusive.merge(want, 1, Integer::sum);
                }
            }
            if (!frames.isEmpty()) {
                RecordedFrame leaf = frames.get(0);
                leaves.merge(leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName(), 1, Integer::sum);
            }
        }
        final int all = total;
        System.out.printf(Locale.ROOT, "execution samples: %d (client side %.0f%%, server side %.0f%%)%n", total,
                100.0 * client / total, 100.0 * (total - client) / total);
        for (var side : bySide.entrySet()) {
            int n = side.getValue().values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(Locale.ROOT, "%n%s: %d samples, by innermost known library%n", side.getKey(), n);
            side.getValue().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .forEach(c -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * c.getValue() / all, c.getKey()));
        }
        System.out.printf(Locale.ROOT, "%ninclusive (share of all samples with the method on the stack)%n");
        inclusive.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(c -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * c.getValue() / all, c.getKey()));
        System.out.printf(Locale.ROOT, "%nhottest leaf methods%n");
        leaves.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20)
                .forEach(c -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * c.getValue() / all, c.getKey()));
    }

    private static String categoryOf(String cls) {
        for (String[] c : CATEGORIES) {
            if (cls.startsWith(c[0])) return c[1];
        }
        return null;
    }
}
