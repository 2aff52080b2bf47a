package dev.berth.bench;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * What Berth's JSON setup costs per task status written and read (the objects every claim and report
 * writes), against plain Jackson: a mapper with only Jackson's own modules and Taskcluster's timestamp
 * pattern set as a format override. Both run in the same process, alternating rounds, so the machine's
 * load hits both alike. Prints nanoseconds per operation (median of the rounds) for each.
 *
 * <pre>java -cp 'bench/target/berth-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' dev.berth.bench.JsonBenchmark</pre>
 */
public final class JsonBenchmark {

    private static final int ROUNDS = Integer.getInteger("rounds", 15);
    private static final int OPS = Integer.getInteger("ops", 200_000);

    public static void main(String[] args) throws Exception {
        ObjectMapper berth = Json.MAPPER;
        ObjectMapper plain = plainJackson();
        ObjectMapper blackbird = plainJackson().registerModule(new BlackbirdModule());
        ObjectMapper recordsAndTimes = plainJackson().registerModule(Json.timestamps());
        TaskStatus status = sampleStatus();
        byte[] berthBytes = berth.writeValueAsBytes(status);
        byte[] plainBytes = plain.writeValueAsBytes(status);
        if (!Arrays.equals(berthBytes, plainBytes)) {
            throw new AssertionError("the two mappers write different JSON:\n" + new String(berthBytes) + "\n" + new String(plainBytes));
        }
        if (!plain.readValue(berthBytes, TaskStatus.class).equals(berth.readValue(berthBytes, TaskStatus.class))) {
            throw new AssertionError("the two mappers read different statuses");
        }
        Map<String, Operation> ops = new java.util.LinkedHashMap<>();
        ops.put("write status, Berth (hand-written)", () -> berth.writeValueAsBytes(status).length);
        ops.put("write status, plain Jackson", () -> plain.writeValueAsBytes(status).length);
        ops.put("write status, Jackson + Blackbird", () -> blackbird.writeValueAsBytes(status).length);
        ops.put("write status, Jackson + Berth timestamps", () -> recordsAndTimes.writeValueAsBytes(status).length);
        ops.put("read status, Berth", () -> berth.readValue(berthBytes, TaskStatus.class).runs().size());
        ops.put("read status, plain Jackson", () -> plain.readValue(berthBytes, TaskStatus.class).runs().size());
        ops.put("read status, Jackson + Blackbird", () -> blackbird.readValue(berthBytes, TaskStatus.class).runs().size());
        ops.put("read status, Jackson + Berth timestamps", () -> recordsAndTimes.readValue(berthBytes, TaskStatus.class).runs().size());

        System.out.println(Machine.describe());
        System.out.printf(Locale.ROOT, "%d rounds of %,d operations each, alternating; %d bytes per status%n",
                ROUNDS, OPS, berthBytes.length);
        Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
        ops.keySet().forEach(k -> results.put(k, new ArrayList<>()));
        long sink = 0;
        for (int round = -3; round < ROUNDS; round++) { // three warm-up rounds
            for (Map.Entry<String, Operation> e : ops.entrySet()) {
                long start = System.nanoTime();
                for (int i = 0; i < OPS; i++) sink += e.getValue().run();
                double nsPerOp = (System.nanoTime() - start) / (double) OPS;
                if (round >= 0) results.get(e.getKey()).add(nsPerOp);
            }
        }
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            List<Double> v = e.getValue().stream().sorted().toList();
            System.out.printf(Locale.ROOT, "%-40s median %7.0f ns/op   (min %7.0f, max %7.0f)%n",
                    e.getKey(), v.get(v.size() / 2), v.get(0), v.get(v.size() - 1));
        }
        System.out.println("(sink " + (sink & 1) + ")");
    }

    /** Jackson with its own modules only: Taskcluster's timestamp text through a format override. */
    static ObjectMapper plainJackson() {
        ObjectMapper m = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
        m.configOverride(Instant.class).setFormat(JsonFormat.Value.forPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withTimeZone(TimeZone.getTimeZone("UTC")));
        return m;
    }

    /** A status as a claim answers it: one run resolved by a worker, one running. */
    static TaskStatus sampleStatus() {
        Instant now = Instant.parse("2026-12-01T12:00:00.123Z");
        Run first = Run.pending(0, ReasonCreated.SCHEDULED, now)
                .claimed("local", "worker-1", now.plus(Duration.ofMinutes(20)), now.plusMillis(40))
                .resolvedAs(TaskState.EXCEPTION, ReasonResolved.WORKER_SHUTDOWN, now.plusSeconds(3));
        Run second = Run.pending(1, ReasonCreated.RETRY, now.plusSeconds(3))
                .claimed("local", "worker-2", now.plus(Duration.ofMinutes(21)), now.plusSeconds(4));
        return new TaskStatus("fN1hZ0ySSbKZbIu3cQi0DA", "local", "docker", "local/docker", "-", "none",
                "fN1hZ0ySSbKZbIu3cQi0DA", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), 4,
                TaskState.RUNNING, List.of(first, second));
    }

    @FunctionalInterface
    private interface Operation {
        int run() throws Exception;
    }
}
