package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** 1,000 tasks, 8 concurrent HTTP claimers: every task is claimed exactly once and completed. */
class ExactlyOnceClaimsIT {

    private static final int TASKS = 1000;
    private static final int CLAIMERS = 8;
    private static final String Q = "/api/queue/v1";

    @Test
    void everyTaskIsClaimedExactlyOnceOnH2() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            exactlyOnce(r);
        }
    }

    @Test
    void everyTaskIsClaimedExactlyOnceOnPostgres() throws Exception {
        try (ItSupport.Running r = ItSupport.postgresServer()) {
            exactlyOnce(r);
        }
    }

    private void exactlyOnce(ItSupport.Running r) throws Exception {
        SignedHttp root = SignedHttp.signed(r.server().rootUrl(), r.server().rootClientId(), r.server().rootAccessToken());
        String queue = TaskFixtures.uniqueQueue();
        Set<String> created = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS);
        try {
            List<Future<?>> creates = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                creates.add(pool.submit(() -> {
                    String id = TaskFixtures.slugId();
                    SignedHttp.Response resp = root.put(Q + "/task/" + id, ItSupport.taskBody(queue));
                    if (resp.status() != 200) throw new AssertionError("createTask: " + resp);
                    created.add(id);
                }));
            }
            for (Future<?> f : creates) f.get(120, TimeUnit.SECONDS);
            assertThat(created).hasSize(TASKS);

            Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
            List<String> errors = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger completed = new AtomicInteger();
            List<Future<?>> claimers = new ArrayList<>();
            for (int w = 0; w < CLAIMERS; w++) {
                String workerId = "claimer-" + w;
                claimers.add(pool.submit(() -> {
                    while (completed.get() < TASKS && errors.isEmpty()) {
                        SignedHttp.Response resp = root.post(Q + "/claim-work/" + queue,
                                Map.of("workerGroup", "it", "workerId", workerId, "tasks", 4));
                        if (resp.status() != 200) { errors.add("claimWork: " + resp); return; }
                        JsonNode tasks = resp.json().get("tasks");
                        if (tasks.isEmpty()) {
                            if (completed.get() >= TASKS) return;
                            continue;
                        }
                        for (JsonNode t : tasks) {
                            String id = t.get("status").get("taskId").asText();
                            int runId = t.get("runId").asInt();
                            claims.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            SignedHttp worker = SignedHttp.temporary(r.server().rootUrl(), t.get("credentials"));
                            SignedHttp.Response done = worker.post(Q + "/task/" + id + "/runs/" + runId + "/completed", null);
                            if (done.status() != 200) errors.add("reportCompleted " + id + ": " + done);
                            else completed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : claimers) f.get(600, TimeUnit.SECONDS);

            assertThat(errors).isEmpty();
            assertThat(claims.keySet()).isEqualTo(new HashSet<>(created));
            assertThat(claims.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
            assertThat(completed.get()).isEqualTo(TASKS);
            for (String id : created) {
                JsonNode status = root.get(Q + "/task/" + id + "/status").json().get("status");
                assertThat(status.get("state").asText()).as(id).isEqualTo("completed");
                assertThat(status.get("runs")).as(id).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
