package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A server with a one-second claim timeout on a clock the test moves; sweeps are triggered by the test (the
 * background one may also run).
 */
class ClaimExpiryAndDeadlineApiTest extends ServerTestSupport {

    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Map<String, String> env() { return Map.of("BERTH_CLAIM_TIMEOUT", "1"); }

    @Override
    protected Clock clock() { return clock; }

    @Test
    void anExpiredClaimResolvesTheRunAsClaimExpiredAndAddsARetryRun() throws Exception {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        clock.advance(Duration.ofMillis(1500));
        server.sweep();
        JsonNode s = status(id);
        assertThat(s.get("runs")).hasSize(2);
        assertThat(s.get("runs").get(0).get("state").asText()).isEqualTo("exception");
        assertThat(s.get("runs").get(0).get("reasonResolved").asText()).isEqualTo("claim-expired");
        assertThat(s.get("runs").get(1).get("state").asText()).isEqualTo("pending");
        assertThat(s.get("runs").get(1).get("reasonCreated").asText()).isEqualTo("retry");
        JsonNode again = claim(queue, 1);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).get("runId").asInt()).isEqualTo(1);
        // the late worker's report on the expired run changes nothing
        int late = root.post(Q + "/task/" + id + "/runs/0/completed", null).status();
        assertThat(late).isEqualTo(409);
        assertThat(status(id).get("runs").get(0).get("reasonResolved").asText()).isEqualTo("claim-expired");
        assertThat(anon.get("/metrics").text()).containsPattern("berth_queue_runs_resolved_total\\{[^}]*reason=\"claim-expired\"[^}]*} [1-9]");
    }

    @Test
    void aTaskPastItsDeadlineIsResolvedDeadlineExceeded() throws Exception {
        String queue = newQueue();
        String id = newTaskId();
        ObjectNode body = taskBody(queue);
        body.put("created", Json.format(clock.instant()));
        body.put("deadline", Json.format(clock.instant().plus(2, ChronoUnit.SECONDS)));
        createTask(id, body);
        clock.advance(Duration.ofMillis(2500));
        server.sweep();
        JsonNode s = status(id);
        assertThat(s.get("state").asText()).isEqualTo("exception");
        assertThat(s.get("runs").get(s.get("runs").size() - 1).get("reasonResolved").asText()).isEqualTo("deadline-exceeded");
        assertThat(anon.get(Q + "/pending/" + queue).json().get("pendingTasks").asLong()).isZero();
        assertThat(anon.get("/metrics").text()).containsPattern("berth_queue_runs_resolved_total\\{[^}]*reason=\"deadline-exceeded\"[^}]*} [1-9]");
    }
}
