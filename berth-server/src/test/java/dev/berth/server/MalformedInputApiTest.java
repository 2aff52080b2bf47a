package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** A table of bad requests: each gets a 4xx with a JSON {code, message} whose message names what is wrong. */
class MalformedInputApiTest extends ServerTestSupport {

    record Bad(String what, String method, String path, byte[] body, String mentions) {}

    private static byte[] bytes(String s) { return s.getBytes(java.nio.charset.StandardCharsets.UTF_8); }

    private static byte[] task(UnaryOperator<ObjectNode> change) {
        return Json.writeBytes(change.apply(taskBody("bad-input/w")));
    }

    @Test
    void badRequestsGet4xxJsonErrorsNamingTheField() {
        String running = createTask("bad-input/running");
        claim("bad-input/running", 1);
        String someTask = newTaskId();
        String far = Json.format(Instant.now().plus(6, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS));
        String past = Json.format(Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS));
        List<Bad> table = List.of(
                new Bad("non-JSON body", "PUT", Q + "/task/" + someTask, bytes("{not json"), "JSON"),
                new Bad("body is an array", "PUT", Q + "/task/" + someTask, bytes("[1,2]"), ""),
                new Bad("priority wrong type", "PUT", Q + "/task/" + someTask, task(t -> t.put("priority", 5)), "priority"),
                new Bad("retries wrong type", "PUT", Q + "/task/" + someTask, task(t -> t.put("retries", "many")), "retries"),
                new Bad("unknown field", "PUT", Q + "/task/" + someTask, task(t -> t.put("colour", "blue")), "colour"),
                new Bad("bad taskId", "PUT", Q + "/task/not-a-slug", task(t -> t), "taskId"),
                new Bad("created not a timestamp", "PUT", Q + "/task/" + someTask, task(t -> t.put("created", "yesterday")), "created"),
                new Bad("deadline not a timestamp", "PUT", Q + "/task/" + someTask, task(t -> t.put("deadline", "soon")), "deadline"),
                new Bad("deadline in the past", "PUT", Q + "/task/" + someTask, task(t -> t.put("deadline", past)), "deadline"),
                new Bad("deadline over 5 days", "PUT", Q + "/task/" + someTask, task(t -> t.put("deadline", far)), "deadline"),
                new Bad("bad dependency id", "PUT", Q + "/task/" + someTask,
                        task(t -> { t.putArray("dependencies").add("x"); return t; }), "dependencies"),
                new Bad("bad taskId on status", "GET", Q + "/task/short/status", null, "taskId"),
                new Bad("negative runId", "POST", Q + "/task/" + running + "/runs/-1/completed", null, "runId"),
                new Bad("huge runId", "POST", Q + "/task/" + running + "/runs/99999999999999/completed", null, "runId"),
                new Bad("text runId", "POST", Q + "/task/" + running + "/runs/abc/completed", null, "runId"),
                new Bad("bad limit", "GET", Q + "/task-group/" + someTask + "/list?limit=-3", null, "limit"),
                new Bad("text limit", "GET", Q + "/task-group/" + someTask + "/list?limit=lots", null, "limit"),
                new Bad("bad exception reason", "POST", Q + "/task/" + running + "/runs/0/exception",
                        bytes("{\"reason\":\"bored\"}"), "reason"),
                new Bad("missing exception body", "POST", Q + "/task/" + running + "/runs/0/exception", null, ""),
                new Bad("claimWork tasks wrong type", "POST", Q + "/claim-work/bad-input/w",
                        bytes("{\"workerGroup\":\"g\",\"workerId\":\"w\",\"tasks\":\"four\"}"), "tasks"),
                new Bad("claimWork missing workerId", "POST", Q + "/claim-work/bad-input/w",
                        bytes("{\"workerGroup\":\"g\",\"tasks\":1}"), "workerId"),
                new Bad("bad task queue id", "POST", Q + "/claim-work/no-slash",
                        bytes("{\"workerGroup\":\"g\",\"workerId\":\"w\",\"tasks\":1}"), "taskQueueId"),
                new Bad("artifact storageType", "POST", Q + "/task/" + running + "/runs/0/artifacts/public/x",
                        bytes("{\"storageType\":\"floppy\",\"expires\":\"" + Json.format(Instant.now().plusSeconds(600)) + "\"}"), "storageType"),
                new Bad("client scopes wrong type", "PUT", "/api/auth/v1/clients/bad-input-client",
                        bytes("{\"description\":\"x\",\"scopes\":\"all\"}"), "scopes"),
                new Bad("client expires not a timestamp", "PUT", "/api/auth/v1/clients/bad-input-client",
                        bytes("{\"description\":\"x\",\"scopes\":[],\"expires\":\"never\"}"), "expires"),
                new Bad("huge body", "PUT", Q + "/task/" + someTask, hugeBody(), ""));

        List<String> problems = new ArrayList<>();
        for (Bad bad : table) {
            SignedHttp.Response r = root.send(bad.method(), bad.path(), bad.body(), "application/json", Map.of());
            String where = bad.what() + " (" + bad.method() + " " + bad.path() + ") -> " + r.status() + " " + truncate(r.text());
            if (r.status() < 400 || r.status() >= 500) { problems.add("not a 4xx: " + where); continue; }
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(r.body());
            } catch (Exception e) {
                problems.add("not JSON: " + where);
                continue;
            }
            if (body == null || !body.hasNonNull("code") || !body.hasNonNull("message")) {
                problems.add("no code/message: " + where);
                continue;
            }
            if (!body.get("message").asText().toLowerCase().contains(bad.mentions().toLowerCase())) {
                problems.add("message does not name '" + bad.mentions() + "': " + where);
            }
        }
        assertThat(problems).as("bad requests answered wrongly").isEmpty();
    }

    private static byte[] hugeBody() {
        StringBuilder sb = new StringBuilder("{\"taskQueueId\":\"bad-input/w\",\"x\":\"");
        sb.append("a".repeat(17 * 1024 * 1024));
        return bytes(sb.append("\"}").toString());
    }

    private static String truncate(String s) { return s.length() > 300 ? s.substring(0, 300) + "…" : s; }
}
