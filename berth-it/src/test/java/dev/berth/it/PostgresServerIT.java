package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifecycle smoke test against a server on PostgreSQL: create, claim, artifact round trip, complete. */
class PostgresServerIT {

    private static final String Q = "/api/queue/v1";

    @Test
    void aTaskRunsItsWholeLifecycleOnPostgres() throws Exception {
        try (ItSupport.Running r = ItSupport.postgresServer()) {
            SignedHttp root = SignedHttp.signed(r.server().rootUrl(), r.server().rootClientId(), r.server().rootAccessToken());
            SignedHttp anon = SignedHttp.anonymous(r.server().rootUrl());
            String queue = TaskFixtures.uniqueQueue();
            String id = TaskFixtures.slugId();

            SignedHttp.Response created = root.put(Q + "/task/" + id, ItSupport.taskBody(queue));
            assertThat(created.status()).as(created.toString()).isEqualTo(200);
            assertThat(created.json().get("status").get("state").asText()).isEqualTo("pending");
            assertThat(anon.get(Q + "/pending/" + queue).json().get("pendingTasks").asLong()).isEqualTo(1);

            SignedHttp.Response claim = root.post(Q + "/claim-work/" + queue, Map.of("workerGroup", "it", "workerId", "pg", "tasks", 1));
            assertThat(claim.status()).as(claim.toString()).isEqualTo(200);
            JsonNode c = claim.json().get("tasks").get(0);
            assertThat(c.get("status").get("taskId").asText()).isEqualTo(id);
            SignedHttp worker = SignedHttp.temporary(r.server().rootUrl(), c.get("credentials"));
            assertThat(worker.post(Q + "/task/" + id + "/runs/0/reclaim", null).status()).isEqualTo(200);

            SignedHttp.Response art = worker.post(Q + "/task/" + id + "/runs/0/artifacts/public/result.txt", Map.of(
                    "storageType", "s3", "contentType", "text/plain",
                    "expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS))));
            assertThat(art.status()).as(art.toString()).isEqualTo(200);
            SignedHttp.Response put = anon.send("PUT", art.json().get("putUrl").asText(),
                    "stored in postgres land".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
            assertThat(put.status()).as(put.toString()).isEqualTo(200);

            SignedHttp.Response done = worker.post(Q + "/task/" + id + "/runs/0/completed", null);
            assertThat(done.status()).as(done.toString()).isEqualTo(200);
            assertThat(done.json().get("status").get("state").asText()).isEqualTo("completed");

            SignedHttp.Response got = anon.get(Q + "/task/" + id + "/artifacts/public/result.txt");
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.text()).isEqualTo("stored in postgres land");
            assertThat(got.header("Content-Type")).startsWith("text/plain");
            assertThat(anon.get(Q + "/task/" + id + "/status").json().get("status").get("state").asText()).isEqualTo("completed");
        }
    }
}
