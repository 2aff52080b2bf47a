package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The root client cannot be removed through the API; a run's credentials reach that run only. */
class AuthSafetyApiTest extends ServerTestSupport {

    private static final String A = "/api/auth/v1";

    @Test
    void theRootClientCannotBeDeletedDisabledChangedOrReset() {
        String rootPath = A + "/clients/" + server.rootClientId();
        ObjectNode update = Json.MAPPER.createObjectNode();
        update.putArray("scopes");
        update.put("description", "lock-out attempt");
        update.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS)));
        SignedHttp.Response[] attempts = {
                root.delete(rootPath),
                root.post(rootPath + "/disable", null),
                root.post(rootPath, update),
                root.post(rootPath + "/reset", null),
        };
        for (SignedHttp.Response r : attempts) {
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().get("message").asText()).contains("static/berth/root", "root client", "cannot be");
        }
        SignedHttp.Response other = root.delete(A + "/clients/static/someone-else");
        assertThat(other.status()).as(other.toString()).isEqualTo(400);
        assertThat(other.json().get("message").asText()).contains("static client");

        SignedHttp.Response shown = root.get(rootPath);
        assertThat(shown.status()).as(shown.toString()).isEqualTo(200);
        assertThat(shown.json().get("disabled").asBoolean()).isFalse();
        assertThat(texts(shown.json().get("scopes"))).containsExactly("*");
        assertThat(shown.text()).doesNotContain(server.rootAccessToken());
        // still the root client, with every scope
        SignedHttp.Response current = root.get(A + "/scopes/current");
        assertThat(current.status()).isEqualTo(200);
        assertThat(texts(current.json().get("scopes"))).containsExactly("*");
        assertThat(root.put(A + "/clients/after-lockout-attempt-" + newTaskId().substring(0, 6), update).status()).isEqualTo(200);
    }

    private static ObjectNode artifact() {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("storageType", "s3");
        b.put("contentType", "text/plain");
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        return b;
    }

    /** Status codes of reclaim, resolve (completed) and createArtifact on one run, signed with {@code who}. */
    private static int[] actOn(SignedHttp who, String taskId, int runId) {
        String run = Q + "/task/" + taskId + "/runs/" + runId;
        return new int[] {
                who.post(run + "/artifacts/public/intruder.txt", artifact()).status(),
                who.post(run + "/reclaim", null).status(),
                who.post(run + "/completed", null).status(),
        };
    }

    @Test
    void aRunsCredentialsCannotActOnAnotherTaskOrAnotherRunOfItsOwnTask() {
        String queue = newQueue();
        String a = createTask(queue);
        String b = createTask(queue);
        JsonNode claimed = claim(queue, 2);
        assertThat(claimed).hasSize(2);
        JsonNode credsA0 = null;
        for (JsonNode c : claimed) {
            if (c.get("status").get("taskId").asText().equals(a)) credsA0 = c.get("credentials");
        }
        assertThat(credsA0).isNotNull();
        SignedHttp runA0 = SignedHttp.temporary(server.rootUrl(), credsA0);

        assertThat(actOn(runA0, b, 0)).as("run 0 of A acting on task B").containsOnly(403);
        SignedHttp.Response denied = runA0.post(Q + "/task/" + b + "/runs/0/reclaim", null);
        assertThat(denied.json().get("message").asText()).contains("queue:reclaim-task:" + b + "/0");

        // A's run 0 ends (the worker went away); its retry, run 1, goes to another worker
        ObjectNode shutdown = Json.MAPPER.createObjectNode().put("reason", "worker-shutdown");
        assertThat(root.post(Q + "/task/" + a + "/runs/0/exception", shutdown).status()).isEqualTo(200);
        JsonNode retry = claim(queue, 1);
        assertThat(retry).hasSize(1);
        assertThat(retry.get(0).get("runId").asInt()).isEqualTo(1);
        assertThat(actOn(runA0, a, 1)).as("run 0 of A acting on run 1 of A").containsOnly(403);

        // the right credentials are let in: run 1's own do all three
        SignedHttp runA1 = SignedHttp.temporary(server.rootUrl(), retry.get(0).get("credentials"));
        assertThat(actOn(runA1, a, 1)).containsExactly(200, 200, 200);
        assertThat(status(b).get("state").asText()).isEqualTo("running");
    }

    @Test
    void aRefusalOfTemporaryCredentialsNamesThemAsTemporaryAndTheirIssuerRatherThanBlamingTheIssuer() {
        String queue = newQueue();
        String mine = createTask(queue);
        String other = createTask(queue);
        JsonNode claimed = claim(queue, 2);
        JsonNode creds = null;
        for (JsonNode c : claimed) {
            if (c.get("status").get("taskId").asText().equals(mine)) creds = c.get("credentials");
        }
        assertThat(creds).isNotNull();
        SignedHttp run = SignedHttp.temporary(server.rootUrl(), creds);

        SignedHttp.Response denied = run.post(Q + "/task/" + other + "/runs/0/reclaim", null);
        assertThat(denied.status()).isEqualTo(403);
        String message = denied.json().get("message").asText();
        assertThat(message).startsWith("temporary credentials with clientId '" + creds.get("clientId").asText() + "'")
                .contains("issued by '" + server.rootClientId() + "'")
                .contains("queue:reclaim-task:" + other + "/0")
                .doesNotContain("client '" + server.rootClientId() + "' lacks");

        // named temporary credentials are named by their own clientId
        var named = dev.berth.core.auth.TemporaryCredentials.create(server.rootClientId(), server.rootAccessToken(),
                java.util.List.of("queue:reclaim-task:" + mine + "/*"), Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(600), "tests/named-" + mine);
        SignedHttp asNamed = SignedHttp.signed(server.rootUrl(), named.clientId(), named.accessToken())
                .withCertificate(named.certificate());
        String namedMessage = asNamed.post(Q + "/task/" + other + "/runs/0/reclaim", null).json().get("message").asText();
        assertThat(namedMessage).startsWith("temporary credentials with clientId 'tests/named-" + mine + "' (issued by '"
                + server.rootClientId() + "'");

        // a client signing with its own credentials is named as before
        String ownMessage = anon.post(Q + "/task/" + other + "/runs/0/reclaim", null).json().get("message").asText();
        assertThat(ownMessage).startsWith("client 'anonymous' lacks scopes").contains("sign it with Hawk credentials");
    }
}
