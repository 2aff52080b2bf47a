package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Hawk;
import dev.berth.core.json.Json;
import dev.berth.server.http.RouteTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 6 item 4: a table of malformed requests across every route, most generated from the route tables.
 * Each must be answered with one of the expected 4xx statuses and a JSON {code, message} whose message names
 * the problem: never 2xx (wrongly accepted), never 5xx, never Jetty's HTML page, never a hang.
 */
class BadRequestTableApiTest extends ServerTestSupport {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}|<([^>]+)>");
    private static final String A = "/api/auth/v1";
    private static final String WM = "/api/worker-manager/v1";
    private static final Set<String> JSON_BODY_ROUTES = Set.of("createTask", "claimWork", "claimTask", "reportException",
            "createArtifact", "createClient", "updateClient", "createRole", "updateRole", "expandScopes", "submit", "tasks", "statuses",
            "createUpload", "finishUpload", "startDownload", "purgeCache", "createWorkerPool", "updateWorkerPool", "reportWorkerError",
            "createWorker", "updateWorker", "registerWorker", "reregisterWorker");

    enum As { ROOT, ANONYMOUS, NOBODY }

    /** One malformed request; {@code raw} rows go over a socket byte for byte (paths no URI class accepts). */
    static final class Bad {
        final String what;
        final String method;
        final String path;
        As as = As.ROOT;
        byte[] body;
        String contentType = "application/json";
        final Map<String, String> headers = new LinkedHashMap<>();
        Set<Integer> statuses = Set.of(400);
        String mentions = "";
        boolean raw;

        Bad(String what, String method, String path) {
            this.what = what;
            this.method = method;
            this.path = path;
        }

        Bad as(As who) { this.as = who; return this; }

        Bad body(String text) { this.body = text == null ? null : text.getBytes(StandardCharsets.UTF_8); return this; }

        Bad body(byte[] bytes) { this.body = bytes; return this; }

        Bad json(Object tree) { this.body = Json.writeBytes(Json.MAPPER.valueToTree(tree)); return this; }

        Bad type(String contentType) { this.contentType = contentType; return this; }

        Bad header(String name, String value) { headers.put(name, value); return this; }

        Bad raw() { this.raw = true; return this; }

        Bad expect(int status, String mentions) { return expect(Set.of(status), mentions); }

        Bad expect(Set<Integer> statuses, String mentions) {
            this.statuses = statuses;
            this.mentions = mentions;
            return this;
        }

        @Override
        public String toString() { return what + " (" + method + " " + (path.length() > 120 ? path.substring(0, 120) + "…" : path) + ")"; }
    }

    private String running;
    private String pending;
    private String completed;
    private String clientId;
    private String roleId;
    /** The upload id of the object service's valid bodies: one upload, so repeating a body repeats the call. */
    private final String objectUploadId = dev.berth.core.auth.Slugid.nice();
    /** A queue of its own for each test's state, so one test's leftovers are not claimed by the other. */
    private String workerType;
    private String queue;
    /** A worker pool of this test's own (encoded as clients send it), made by {@link #setUpState()}. */
    private String poolPath;

    @Test
    void everyMalformedRequestGetsA4xxJsonErrorNamingTheProblem() throws Exception {
        setUpState();
        List<Bad> table = new ArrayList<>();
        table.addAll(badPathParameters());
        table.addAll(badBodies());
        table.addAll(badCredentials());
        table.addAll(missingScopes());
        table.addAll(wrongRunsAndStates());
        table.addAll(badContinuationTokensAndQueries());
        table.addAll(badIds());
        table.addAll(oddRequests());
        table.addAll(badWorkerPools());

        List<String> problems = new ArrayList<>();
        Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
        for (Bad bad : table) {
            Answer r;
            try {
                r = bad.raw ? sendRaw(bad) : send(bad);
            } catch (java.net.http.HttpTimeoutException | java.net.SocketTimeoutException e) {
                problems.add("no answer within " + CLIENT_TIMEOUT.toSeconds() + " s: " + bad);
                continue;
            } catch (IOException e) {
                problems.add("no answer (" + e.getMessage() + "): " + bad);
                continue;
            }
            byStatus.merge(r.status, 1, Integer::sum);
            String where = bad + " -> " + r.status + " " + truncate(r.text());
            if (!bad.statuses.contains(r.status)) {
                problems.add("status " + r.status + " not in " + bad.statuses + ": " + where);
                continue;
            }
            if (r.contentType == null || !r.contentType.startsWith("application/json")) {
                problems.add("Content-Type " + r.contentType + ", not JSON: " + where);
                continue;
            }
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(r.body);
            } catch (IOException e) {
                problems.add("body does not parse as JSON: " + where);
                continue;
            }
            if (body == null || !body.path("code").isTextual() || !body.path("message").isTextual()) {
                problems.add("no code/message: " + where);
                continue;
            }
            String message = body.get("message").asText();
            if (!message.toLowerCase().contains(bad.mentions.toLowerCase())) {
                problems.add("message does not name '" + bad.mentions + "': " + where);
            }
            if (message.matches("(?is).*\\b(select|insert|update|delete)\\b.*\\b(from|into|set|where)\\b.*") || message.contains("SQLState")) {
                problems.add("message shows SQL: " + where);
            }
        }
        System.out.println("BadRequestTableApiTest: " + table.size() + " malformed requests, answered " + byStatus);
        assertThat(table).as("rows in the table").hasSizeGreaterThanOrEqualTo(200);
        assertThat(problems).as("of " + table.size() + " malformed requests, these were answered wrongly").isEmpty();
        // none of them changed anything: the claimed run is still running, the server still answers
        assertThat(status(running).get("state").asText()).isEqualTo("running");
        assertThat(anon.get(Q + "/ping").status()).isEqualTo(200);
    }

    /**
     * The other side of the table: a well-formed request to every route, signed and unsigned, is never a 5xx, so
     * every route's scope expression renders from its path parameters and resolver.
     */
    @Test
    void everyRouteAnswersAWellFormedRequestWithoutAServerError() throws Exception {
        setUpState();
        List<String> problems = new ArrayList<>();
        for (RouteTable table : server.routeTables()) {
            for (RouteTable.Route route : table.routes()) {
                String path = fill(route.path(), null, null);
                if (route.name().equals("claimWork")) path += "?wait=0";
                if (route.name().equals("createTask")) path = path.replace(running, newTaskId());
                for (As as : List.of(As.ANONYMOUS, As.ROOT)) {
                    Bad request = new Bad(route.name() + " as " + as, route.method().name(), path).as(as).body(validBody(route.name()));
                    Answer r = send(request);
                    if (r.status >= 500) problems.add(request + " -> " + r.status + " " + truncate(r.text()));
                }
            }
        }
        assertThat(problems).as("well-formed requests answered with a server error").isEmpty();
    }

    private void setUpState() {
        workerType = "w" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        queue = "bad-input/" + workerType;
        running = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        completed = createTask("bad-input/done");
        claim("bad-input/done", 1);
        assertThat(root.post(Q + "/task/" + completed + "/runs/0/completed", null).status()).isEqualTo(200);
        pending = createTask("bad-input/pending");
        clientId = "bad-input-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        assertThat(root.put(A + "/clients/" + clientId, clientBody()).status()).isEqualTo(200);
        roleId = "bad-input-role-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        assertThat(root.put(A + "/roles/" + roleId, Map.of("description", "x", "scopes", List.of())).status()).isEqualTo(200);
        poolPath = "bad-input%2Fp" + workerType;
        assertThat(root.put(WM + "/worker-pool/" + poolPath, poolBody("docker")).status()).isEqualTo(200);
    }

    // ---- generated from the route tables

    /** A path for the route with every parameter valid, except {@code badParam} (if any) set to {@code badValue}. */
    private String fill(String template, String badParam, String badValue) {
        Matcher m = PARAM.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = name.equals(badParam) ? badValue : switch (name) {
                case "taskId", "taskGroupId", "jobId" -> running;
                case "runId" -> "0";
                case "name" -> "public/logs/live.log";
                case "provisionerId" -> "bad-input";
                case "workerType" -> workerType;
                case "taskQueueId" -> "bad-input%2F" + workerType;
                case "workerGroup" -> "bad-input-group"; // no worker of this table claims in it
                case "workerId" -> "w1";
                case "clientId" -> clientId;
                case "roleId" -> roleId;
                case "entityType" -> "client";
                case "entityId" -> clientId;
                case "seconds" -> "0";
                case "asset" -> "index-0000.js"; // the web inspector's assets
                case "namespace", "indexPath" -> "bad-input.ns.latest";
                case "workerPoolId" -> "bad-input%2F" + workerType; // encoded, as clients send it
                case "level" -> "read-only";
                case "bucket", "prefix", "account", "table", "container", "project", "wstAudience", "wstClient",
                     "projectId", "serviceAccount" -> "cloud-name"; // cloud credential routes (refused with 400)
                default -> throw new IllegalStateException("no valid value for " + name);
            };
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        return m.appendTail(sb).toString();
    }

    private static final Map<String, List<String>> BAD_VALUES = Map.of(
            "taskId", List.of("short", "%00" + "A".repeat(21), "A".repeat(23), "A".repeat(21) + "%21"),
            "taskGroupId", List.of("short", "%00" + "A".repeat(21), "A".repeat(23)),
            "runId", List.of("-1", "abc", "1e3", "99999999999"),
            "provisionerId", List.of("a%00b", "x".repeat(39), "a.b"),
            "workerType", List.of("UPPER", "a%00", "w".repeat(39)),
            "clientId", List.of("c".repeat(300), "a%00b", "a%20b", "a%C3%A9"),
            "roleId", List.of("r".repeat(1000), "a%01b", "a%7Fb", "%C3%A9"),
            "name", List.of("public/a%00b", "public/%0A"),
            "taskQueueId", List.of("no-slash", "x%00"),
            "jobId", List.of("%00"));

    private List<Bad> badPathParameters() {
        List<Bad> rows = new ArrayList<>();
        for (RouteTable table : server.routeTables()) {
            for (RouteTable.Route route : table.routes()) {
                Matcher m = PARAM.matcher(route.path());
                while (m.find()) {
                    String param = m.group(1) != null ? m.group(1) : m.group(2);
                    for (String value : BAD_VALUES.getOrDefault(param, List.of("%00"))) {
                        rows.add(new Bad(route.name() + " with bad " + param, route.method().name(), fill(route.path(), param, value))
                                .body(validBody(route.name())).expect(400, value.contains("%00") ? "%00" : param));
                    }
                }
            }
        }
        return rows;
    }

    private List<Bad> badBodies() {
        String nested = "[".repeat(10_000) + "]".repeat(10_000);
        List<Bad> rows = new ArrayList<>();
        for (RouteTable table : server.routeTables()) {
            for (RouteTable.Route route : table.routes()) {
                if (!JSON_BODY_ROUTES.contains(route.name()) || route.path().contains("{provisionerId}")) continue;
                String path = fill(route.path(), null, null);
                String m = route.method().name();
                String n = route.name();
                rows.add(new Bad(n + " with a body that is not JSON", m, path).body("{not json").expect(400, "JSON"));
                rows.add(new Bad(n + " with trailing garbage after the JSON", m, path).body(validText(n) + " garbage").expect(400, "JSON"));
                rows.add(new Bad(n + " with two JSON documents", m, path).body(validText(n) + " {}").expect(400, "JSON"));
                rows.add(new Bad(n + " with 10,000 nested arrays", m, path).body(nested).expect(400, "JSON"));
                rows.add(new Bad(n + " with a JSON array body", m, path).body("[]").expect(400, "body"));
                rows.add(new Bad(n + " sent as text/plain", m, path).body(validText(n)).type("text/plain").expect(400, "Content-Type"));
                rows.add(new Bad(n + " sent as a form", m, path).body("a=b").type("application/x-www-form-urlencoded").expect(400, "Content-Type"));
            }
        }
        byte[] huge = ("{\"description\":\"" + "a".repeat(17 * 1024 * 1024) + "\",\"scopes\":[]}").getBytes(StandardCharsets.UTF_8);
        rows.add(new Bad("createTask with a body over the 16 MiB limit", "PUT", Q + "/task/" + newTaskId()).body(huge).expect(413, "large"));
        rows.add(new Bad("createRole with a body over the 16 MiB limit", "PUT", A + "/roles/huge-role").body(huge).expect(413, "large"));
        return rows;
    }

    /** Bad Hawk headers and bewits on every authenticated route: 401 naming what is wrong with the credentials. */
    private List<Bad> badCredentials() {
        List<Bad> rows = new ArrayList<>();
        long stale = Instant.now().minus(1, ChronoUnit.HOURS).getEpochSecond();
        for (RouteTable table : server.routeTables()) {
            for (RouteTable.Route route : table.routes()) {
                if (route.scopes() == null || route.path().contains("{provisionerId}")) continue;
                String path = fill(route.path(), null, null);
                String m = route.method().name();
                URI uri = URI.create(server.rootUrl() + path);
                rows.add(new Bad(route.name() + " with a garbage Hawk header", m, path).as(As.NOBODY).body(validBody(route.name()))
                        .header("Authorization", "Hawk garbage").expect(401, "Hawk"));
                rows.add(new Bad(route.name() + " with Basic auth", m, path).as(As.NOBODY).body(validBody(route.name()))
                        .header("Authorization", "Basic dXNlcjpwYXNz").expect(401, "Hawk"));
                rows.add(new Bad(route.name() + " signed with a wrong key", m, path).as(As.NOBODY).body(validBody(route.name()))
                        .header("Authorization", Hawk.header(m, uri, server.rootClientId(), "not-the-key", null, null)).expect(401, ""));
                rows.add(new Bad(route.name() + " signed an hour ago", m, path).as(As.NOBODY).body(validBody(route.name()))
                        .header("Authorization", Hawk.header(m, uri, server.rootClientId(), server.rootAccessToken(), null, null, stale, "abcdef"))
                        .expect(401, ""));
                if (m.equals("GET")) {
                    rows.add(new Bad(route.name() + " with a garbage bewit", m, path + "?bewit=garbage").as(As.NOBODY).expect(401, "bewit"));
                    rows.add(new Bad(route.name() + " with a bewit whose MAC is wrong", m, path + "?bewit=" + garbageBewit())
                            .as(As.NOBODY).expect(401, ""));
                    URI expired = Hawk.bewitUrl(uri, server.rootClientId(), server.rootAccessToken(), null, Duration.ofSeconds(1),
                            Instant.now().minus(1, ChronoUnit.HOURS));
                    rows.add(new Bad(route.name() + " with an expired bewit", m, expired.getRawPath() + "?" + expired.getRawQuery())
                            .as(As.NOBODY).expect(401, ""));
                }
            }
        }
        return rows;
    }

    /** Unsigned requests to routes the anonymous role may not use, with valid bodies: 403 naming the scope. */
    private List<Bad> missingScopes() {
        List<Bad> rows = new ArrayList<>();
        for (RouteTable table : server.routeTables()) {
            for (RouteTable.Route route : table.routes()) {
                if (route.scopes() == null || route.path().contains("{provisionerId}") || route.method().name().equals("GET")
                        || route.name().equals("expandScopes") || route.name().endsWith("ArtifactContent")
                        // reads by POST: the anonymous role may read tasks and statuses, as by GET
                        || route.name().equals("tasks") || route.name().equals("statuses")
                        || route.name().equals("findTasksAtIndex") || route.name().endsWith("Post")) continue;
                String scope = route.name().equals("createTask") || route.name().equals("submit") ? "queue:create-task:"
                        : route.name().equals("purgeCache") ? "purge-cache:"
                        : route.scopes().toJson().toString().replaceAll("^.*?\"([a-z-]+:[a-z-]+).*$", "$1"); // service names may hold a dash (worker-manager)
                String path = fill(route.path(), null, null);
                if (route.name().equals("createTask") || route.name().equals("submit")) path = path.replace(running, newTaskId());
                if (route.name().equals("createRole")) path = A + "/roles/bad-input-anon-role";
                rows.add(new Bad(route.name() + " unsigned", route.method().name(), path).as(As.ANONYMOUS)
                        .body(validBody(route.name())).expect(403, scope));
            }
        }
        return rows;
    }

    // ---- written by hand

    private List<Bad> wrongRunsAndStates() {
        String r = Q + "/task/" + running + "/runs/";
        String p = Q + "/task/" + pending + "/runs/";
        String c = Q + "/task/" + completed + "/runs/";
        ObjectNode worker = Json.MAPPER.createObjectNode().put("workerGroup", "g").put("workerId", "w");
        return List.of(
                new Bad("reportCompleted on a run that does not exist", "POST", r + "7/completed").expect(Set.of(404, 409), "run"),
                new Bad("reportFailed on a pending task's run", "POST", p + "0/failed").expect(409, "run"),
                new Bad("reportCompleted on a resolved run", "POST", c + "0/failed").expect(409, "run"),
                new Bad("reportException on a run that does not exist", "POST", r + "3/exception").json(Map.of("reason", "worker-shutdown"))
                        .expect(Set.of(404, 409), "run"),
                new Bad("reportException with an unknown reason", "POST", r + "0/exception").json(Map.of("reason", "bored")).expect(400, "reason"),
                new Bad("reclaimTask on a resolved run", "POST", c + "0/reclaim").expect(409, "run"),
                new Bad("reclaimTask on a run that does not exist", "POST", r + "1/reclaim").expect(Set.of(404, 409), "run"),
                new Bad("claimTask on a running run", "POST", r + "0/claim").json(worker).expect(409, "run"),
                new Bad("claimTask on a run that does not exist", "POST", p + "4/claim").json(worker).expect(Set.of(404, 409), "run"),
                new Bad("claimTask of a task that does not exist", "POST", Q + "/task/" + newTaskId() + "/runs/0/claim").json(worker)
                        .expect(404, "task"),
                new Bad("createArtifact on a pending task's run", "POST", p + "0/artifacts/public/x")
                        .json(Map.of("storageType", "s3", "contentType", "text/plain", "expires", inAnHour())).expect(409, "run"),
                new Bad("createArtifact on a run that does not exist", "POST", r + "9/artifacts/public/x")
                        .json(Map.of("storageType", "s3", "contentType", "text/plain", "expires", inAnHour())).expect(Set.of(404, 409), "run"),
                new Bad("finishArtifact of an artifact that does not exist", "PUT", r + "0/artifacts/public/none").expect(404, "public/none"),
                new Bad("getArtifact that does not exist", "GET", r + "0/artifacts/public/none").expect(404, "public/none"),
                new Bad("artifactInfo that does not exist", "GET", Q + "/task/" + running + "/runs/0/artifact-info/public/none").expect(404, "public/none"),
                new Bad("scheduleTask of a task that does not exist", "POST", Q + "/task/" + newTaskId() + "/schedule").expect(404, "task"),
                new Bad("cancelTask of a task that does not exist", "POST", Q + "/task/" + newTaskId() + "/cancel").expect(404, "task"),
                new Bad("rerunTask of a task that does not exist", "POST", Q + "/task/" + newTaskId() + "/rerun").expect(404, "task"),
                new Bad("task that does not exist", "GET", Q + "/task/" + newTaskId()).expect(404, "task"),
                new Bad("createTask again with a different definition", "PUT", Q + "/task/" + running)
                        .json(taskBody("bad-input/other")).expect(409, running),
                new Bad("createTask depending on a task that does not exist", "PUT", Q + "/task/" + newTaskId())
                        .json(withDeps(taskBody(queue), null, "ZZZZZZZZZZZZZZZZZZZZZZ")).expect(400, "ZZZZZZZZZZZZZZZZZZZZZZ"),
                new Bad("createTask with a dependency that is not a slugid", "PUT", Q + "/task/" + newTaskId())
                        .json(withDeps(taskBody(queue), null, "x")).expect(400, "dependencies"),
                new Bad("createTask with a deadline in the past", "PUT", Q + "/task/" + newTaskId())
                        .json(taskBody(queue).put("deadline", Json.format(Instant.now().minus(1, ChronoUnit.HOURS)))).expect(400, "deadline"),
                new Bad("createTask with an unknown field", "PUT", Q + "/task/" + newTaskId()).json(taskBody(queue).put("colour", "blue"))
                        .expect(400, "colour"),
                new Bad("createTask without a body", "PUT", Q + "/task/" + newTaskId()).expect(400, "body"),
                new Bad("createTask with a scope holding a control character", "PUT", Q + "/task/" + newTaskId())
                        .json(withScopes(taskBody(queue), "queue:x\u0001")).expect(400, "scopes"),
                new Bad("claimWork with too many tasks", "POST", Q + "/claim-work/" + queue)
                        .json(claimRequest("w1", 0)).expect(400, "tasks"),
                new Bad("claimWork with a worker id holding a slash", "POST", Q + "/claim-work/" + queue)
                        .json(claimRequest("w/1", 1)).expect(400, "workerId"),
                new Bad("claimWork wait that is not a number", "POST", Q + "/claim-work/" + queue + "?wait=soon")
                        .json(claimRequest("w1", 1)).expect(400, "wait"));
    }

    private List<Bad> badContinuationTokensAndQueries() {
        List<Bad> rows = new ArrayList<>();
        String notAKey = Base64.getUrlEncoder().withoutPadding().encodeToString("not a key\u0000".getBytes(StandardCharsets.UTF_8));
        for (String listing : List.of(Q + "/task-group/" + running + "/list", Q + "/task/" + running + "/dependents",
                A + "/clients/", Q + "/task/" + running + "/runs/0/artifacts", Q + "/task/" + running + "/artifacts",
                A + "/audit/client/" + clientId, A + "/clients/" + clientId + "/audit",
                Q + "/task-queues", Q + "/task-queues/bad-input%2F" + workerType + "/pending",
                Q + "/task-queues/bad-input%2F" + workerType + "/claimed", Q + "/provisioners",
                Q + "/provisioners/bad-input/worker-types", Q + "/provisioners/bad-input/worker-types/" + workerType + "/workers",
                WM + "/worker-pools", WM + "/worker-pools/stats", WM + "/worker-pool-errors/" + poolPath,
                WM + "/workers/" + poolPath, WM + "/workers/" + poolPath + "/bad-input-group",
                WM + "/provisioners/bad-input/worker-types/" + workerType + "/workers")) {

            for (String token : List.of("garbage", "!!!", "AAAA", "%00", notAKey, "Zm9v=")) {
                rows.add(new Bad("bad continuationToken " + token, "GET", listing + "?continuationToken=" + token)
                        .expect(400, "continuationToken"));
            }
            rows.add(new Bad("negative limit", "GET", listing + "?limit=-3").expect(400, "limit"));
            rows.add(new Bad("text limit", "GET", listing + "?limit=lots").expect(400, "limit"));
        }
        return rows;
    }

    private List<Bad> badIds() {
        String desc = "{\"description\":\"x\",\"scopes\":[]}";
        return List.of(
                new Bad("createRole with a 1,000-character id", "PUT", A + "/roles/" + "r".repeat(1000)).body(desc).expect(400, "roleId"),
                new Bad("createRole with a control character in the id", "PUT", A + "/roles/bad%01role").body(desc).expect(400, "roleId"),
                new Bad("createRole with a newline in the id", "PUT", A + "/roles/bad%0Arole").body(desc).expect(400, "roleId"),
                new Bad("createRole with a scope holding a control character", "PUT", A + "/roles/bad-input-role")
                        .body("{\"description\":\"x\",\"scopes\":[\"a\\u0001\"]}").expect(400, "scopes"),
                new Bad("createRole with a NUL in the description", "PUT", A + "/roles/bad-input-nul-role")
                        .body("{\"description\":\"a\\u0000b\",\"scopes\":[]}").expect(400, "/description"),
                new Bad("createTask with a NUL in a tag name", "PUT", Q + "/task/" + newTaskId())
                        .json(taskBody(queue).set("tags", Json.MAPPER.createObjectNode().put("a\u0000", "x"))).expect(400, "NUL"),
                new Bad("createClient with a 1,000-character id", "PUT", A + "/clients/" + "c".repeat(1000)).json(clientBody()).expect(400, "clientId"),
                new Bad("createClient with a space in the id", "PUT", A + "/clients/bad%20client").json(clientBody()).expect(400, "clientId"),
                new Bad("createClient with a static/ id", "PUT", A + "/clients/static/mine").json(clientBody()).expect(400, "static/"),
                new Bad("createClient that exists", "PUT", A + "/clients/" + clientId).json(clientBody()).expect(409, clientId),
                new Bad("deleteClient of the root client", "DELETE", A + "/clients/" + server.rootClientId()).expect(400, "root"),
                new Bad("client that does not exist", "GET", A + "/clients/nobody-" + newTaskId()).expect(404, "nobody-"),
                new Bad("role that does not exist", "GET", A + "/roles/nobody-" + newTaskId()).expect(404, "nobody-"),
                new Bad("updateRole of a role that does not exist", "POST", A + "/roles/nobody-role").body(desc).expect(404, "nobody-role"),
                new Bad("createClient with expires not a timestamp", "PUT", A + "/clients/bad-input-exp")
                        .body("{\"description\":\"x\",\"scopes\":[],\"expires\":\"never\"}").expect(400, "expires"),
                new Bad("claimWork on a queue id without a slash", "POST", Q + "/claim-work/no-slash").json(claimRequest("w1", 1))
                        .expect(400, "taskQueueId"),
                new Bad("claimWork on an upper-case worker type", "POST", Q + "/claim-work/bad-input/UPPER").json(claimRequest("w1", 1))
                        .expect(400, "workerType"),
                new Bad("claimWork on a 39-character provisioner", "POST", Q + "/claim-work/" + "p".repeat(39) + "/w")
                        .json(claimRequest("w1", 1)).expect(400, "provisionerId"),
                new Bad("claimWork on a queue id with a NUL", "POST", Q + "/claim-work/bad%00input/w").json(claimRequest("w1", 1))
                        .expect(400, "%00"),
                new Bad("pendingTasks of a bad queue id", "GET", Q + "/pending/bad-input/W_W").expect(400, "workerType"),
                new Bad("job status with a NUL", "GET", "/status/%00").expect(Set.of(400, 404), ""),
                new Bad("sleep longer than 60 s", "GET", "/sleep/61").expect(400, "60"),
                new Bad("sleep a negative time", "GET", "/sleep/-1").expect(400, "n"),
                new Bad("submit a job without an image", "POST", "/submit").body("{\"command\":[\"true\"]}").expect(400, "image"),
                new Bad("schema that does not exist", "GET", "/schemas/queue/v1/nope.json").expect(404, "nope"));
    }

    /** Requests no URI class would build: raw bytes in the request line, odd methods, broken headers. */
    private List<Bad> oddRequests() {
        String hashed = newTaskId();
        return List.of(
                new Bad("raw NUL byte in the path", "GET", Q + "/task/AAAA\u0000AAAAAAAAAAAAAAAAA/status").raw().expect(400, ""),
                new Bad("raw space inside the path", "GET", Q + "/task/AAAA AAAAAAAAAAAAAAAAA/status").raw().expect(400, ""),
                new Bad("invalid percent escape", "GET", Q + "/task/%ZZAAAAAAAAAAAAAAAAAAAA/status").raw().expect(400, ""),
                new Bad("truncated percent escape", "GET", Q + "/task/AAAAAAAAAAAAAAAAAAAAA%/status").raw().expect(400, ""),
                new Bad("encoded dot-dot segments", "GET", Q + "/task/%2E%2E/%2E%2E/status").raw().expect(Set.of(400, 404), ""),
                new Bad("a 20,000-character path", "GET", Q + "/task/" + "A".repeat(20_000)).raw().expect(Set.of(400, 414, 431), ""),
                new Bad("a header line without a colon", "GET", Q + "/ping").raw().header("Broken header line", "").expect(400, ""),
                new Bad("unknown method", "BREW", Q + "/ping").raw().expect(Set.of(400, 404, 405), ""),
                new Bad("a 20 KB Authorization header", "GET", Q + "/task/" + running).raw()
                        .header("Authorization", "Hawk id=\"" + "x".repeat(20_000) + "\"").expect(431, ""),
                new Bad("Hawk hash that does not match the body", "PUT", Q + "/task/" + hashed).as(As.NOBODY)
                        .json(taskBody(queue)).header("Authorization", Hawk.header("PUT", URI.create(server.rootUrl() + Q + "/task/" + hashed),
                                server.rootClientId(), server.rootAccessToken(), null, Hawk.payloadHash("{}".getBytes(StandardCharsets.UTF_8), "application/json")))
                        .expect(401, "hash"),
                new Bad("Hawk ext that is not a certificate", "GET", Q + "/task/" + running + "/status").as(As.NOBODY)
                        .header("Authorization", Hawk.header("GET", URI.create(server.rootUrl() + Q + "/task/" + running + "/status"),
                                server.rootClientId(), server.rootAccessToken(), "bm90IGpzb24", null)).expect(401, ""),
                new Bad("a bewit on a POST", "POST", Q + "/task/" + running + "/cancel?bewit=" + garbageBewit()).as(As.NOBODY)
                        .expect(Set.of(401, 403), ""),
                new Bad("unknown endpoint", "GET", Q + "/no-such-endpoint").expect(404, "no-such-endpoint"),
                new Bad("method not allowed", "DELETE", Q + "/task/" + running + "/status").expect(Set.of(404, 405), ""));
    }

    private String garbageBewit() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (server.rootClientId() + "\\" + (Instant.now().getEpochSecond() + 600) + "\\bm9wZQ==\\").getBytes(StandardCharsets.UTF_8));
    }

    // ---- bodies

    private String validText(String routeName) {
        byte[] b = validBody(routeName);
        return b == null ? "{}" : new String(b, StandardCharsets.UTF_8);
    }

    private byte[] validBody(String routeName) {
        Object body = switch (routeName) {
            case "createTask" -> taskBody(queue);
            case "claimWork" -> claimRequest("w1", 1);
            case "claimTask" -> Map.of("workerGroup", "g", "workerId", "w");
            case "reportException" -> Map.of("reason", "worker-shutdown");
            case "createArtifact" -> Map.of("storageType", "s3", "contentType", "text/plain", "expires", inAnHour());
            case "createClient", "updateClient" -> clientBody();
            case "createRole", "updateRole" -> Map.of("description", "x", "scopes", List.of());
            case "expandScopes" -> Map.of("scopes", List.of("assume:anonymous"));
            case "submit" -> Map.of("image", "busybox", "command", List.of("true"));
            case "tasks", "statuses" -> Map.of("taskIds", List.of(running));
            case "findTasksAtIndex" -> Map.of("indexes", List.of("bad-input.ns.latest"));
            case "insertTask" -> Map.of("taskId", running, "rank", 0, "data", Map.of(), "expires", inAnHour());
            case "createUpload" -> Map.of("projectId", "bad-input", "uploadId", objectUploadId, "expires", inAnHour(),
                    "proposedUploadMethods", Map.of());
            case "finishUpload" -> Map.of("projectId", "bad-input", "uploadId", objectUploadId);
            case "startDownload" -> Map.of("acceptDownloadMethods", Map.of("getUrl", true));
            case "declareProvisioner", "declareWorkerType" -> Map.of("description", "declared by BadRequestTableApiTest");
            case "declareWorker" -> Map.of("expires", inAnHour());
            case "quarantineWorker" -> Map.of("quarantineUntil", inAnHour(), "quarantineInfo", "BadRequestTableApiTest");
            case "purgeCache" -> Map.of("cacheName", "bad-input-cache");
            case "createWorkerPool", "updateWorkerPool" -> poolBody("docker");
            case "reportWorkerError" -> Map.of("workerGroup", "g", "workerId", "w", "kind", "worker-error", "title", "t",
                    "description", "d", "extra", Map.of());
            case "createWorker", "updateWorker" -> Map.of("expires", inAnHour());
            case "registerWorker" -> Map.of("workerPoolId", "bad-input/" + workerType, "providerId", "docker", "workerGroup", "g",
                    "workerId", "w", "workerIdentityProof", Map.of());
            case "reregisterWorker" -> Map.of("workerPoolId", "bad-input/" + workerType, "workerGroup", "g", "workerId", "w",
                    "secret", "s".repeat(44));
            default -> null;
        };
        return body == null ? null : Json.writeBytes(Json.MAPPER.valueToTree(body));
    }

    private static ObjectNode poolBody(String providerId) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("providerId", providerId).put("description", "made by BadRequestTableApiTest")
                .put("owner", "bad-input@example.com").put("emailOnError", false);
        b.putObject("config").put("image", "berth/busybox:latest").put("maxCapacity", 1).putArray("dockerHosts")
                .add("unix:///var/run/docker.sock");
        return b;
    }

    /** Worker pools: bad definitions and configs are 400 naming the field; a missing pool 404; a second create 409. */
    private List<Bad> badWorkerPools() {
        String pool = WM + "/worker-pool/" + poolPath;
        ObjectNode privileged = poolBody("docker");
        ((ObjectNode) privileged.get("config")).putObject("hostConfig").put("privileged", true);
        ObjectNode minAboveMax = poolBody("docker");
        ((ObjectNode) minAboveMax.get("config")).put("minCapacity", 5);
        ObjectNode noHosts = poolBody("docker");
        ((ObjectNode) noHosts.get("config")).remove("dockerHosts");
        ObjectNode tcpBadUrl = poolBody("docker");
        ((ObjectNode) tcpBadUrl.get("config")).putArray("dockerHosts").add("http://x");
        ObjectNode extraField = poolBody("docker").put("color", "blue");
        ObjectNode wrongId = poolBody("docker").put("workerPoolId", "bad-input/other");
        ObjectNode badWorkerError = Json.MAPPER.createObjectNode().put("workerGroup", "g").put("workerId", "w").put("kind", "Not A Kind")
                .put("title", "t").put("description", "d");
        badWorkerError.putObject("extra");
        return List.of(
                new Bad("createWorkerPool with provider aws", "PUT", WM + "/worker-pool/bad-input%2Fpool-aws").json(poolBody("aws"))
                        .expect(400, "providerId"),
                new Bad("createWorkerPool with a hostConfig field off the whitelist", "PUT", WM + "/worker-pool/bad-input%2Fpool-p")
                        .json(privileged).expect(400, "privileged"),
                new Bad("createWorkerPool with minCapacity above maxCapacity", "PUT", WM + "/worker-pool/bad-input%2Fpool-m")
                        .json(minAboveMax).expect(400, "minCapacity"),
                new Bad("createWorkerPool without dockerHosts", "PUT", WM + "/worker-pool/bad-input%2Fpool-h").json(noHosts)
                        .expect(400, "dockerHosts"),
                new Bad("createWorkerPool with an http:// engine", "PUT", WM + "/worker-pool/bad-input%2Fpool-u").json(tcpBadUrl)
                        .expect(400, "dockerHosts"),
                new Bad("createWorkerPool with an unknown field", "PUT", WM + "/worker-pool/bad-input%2Fpool-x").json(extraField)
                        .expect(400, "color"),
                new Bad("createWorkerPool with an id that is not a task queue id", "PUT", WM + "/worker-pool/bad-input%2FUpper")
                        .json(poolBody("docker")).expect(400, "workerPoolId"),
                new Bad("createWorkerPool with a three-part id", "PUT", WM + "/worker-pool/a%2Fb%2Fc").json(poolBody("docker"))
                        .expect(400, "workerPoolId"),
                new Bad("updateWorkerPool naming another pool in the body", "POST", pool).json(wrongId).expect(400, "workerPoolId"),
                new Bad("workerPool that does not exist", "GET", WM + "/worker-pool/bad-input%2Fnobody").expect(404, "bad-input/nobody"),
                new Bad("updateWorkerPool of a pool that does not exist", "POST", WM + "/worker-pool/bad-input%2Fnobody")
                        .json(poolBody("docker")).expect(404, "bad-input/nobody"),
                new Bad("deleteWorkerPool of a pool that does not exist", "DELETE", WM + "/worker-pool/bad-input%2Fnobody")
                        .expect(404, "bad-input/nobody"),
                new Bad("reportWorkerError with a kind off the pattern", "POST", WM + "/worker-pool-errors/" + poolPath).json(badWorkerError)
                        .expect(400, "kind"),
                new Bad("createWorker with expires not a date", "PUT", WM + "/workers/" + poolPath + "/g/w9")
                        .json(Map.of("expires", "tomorrow")).expect(400, "expires"),
                new Bad("createWorker with capacity 0", "PUT", WM + "/workers/" + poolPath + "/g/w9")
                        .json(Map.of("expires", inAnHour(), "capacity", 0)).expect(400, "capacity"),
                new Bad("listWorkersForWorkerPool with an unknown state", "GET", WM + "/workers/" + poolPath + "?state=sleeping")
                        .expect(400, "state"),
                new Bad("workerPoolErrorStats for a bad pool id", "GET", WM + "/worker-pool-errors/stats?workerPoolId=nope")
                        .expect(400, "workerPoolId"),
                new Bad("registerWorker (docker workers get credentials from the provisioner)", "POST", WM + "/worker/register")
                        .json(Map.of("workerPoolId", "bad-input/nobody", "providerId", "docker", "workerGroup", "g", "workerId", "w",
                                "workerIdentityProof", Map.of())).expect(404, "bad-input/nobody"));
    }

    private static ObjectNode clientBody() {
        ObjectNode b = Json.MAPPER.createObjectNode().put("description", "made by BadRequestTableApiTest")
                .put("expires", inAnHour());
        b.putArray("scopes");
        return b;
    }

    private static ObjectNode withScopes(ObjectNode task, String... scopes) {
        var arr = task.putArray("scopes");
        for (String s : scopes) arr.add(s);
        return task;
    }

    private static String inAnHour() {
        return Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS));
    }

    // ---- sending

    record Answer(int status, String contentType, byte[] body) {
        String text() { return new String(body, StandardCharsets.UTF_8); }
    }

    private Answer send(Bad bad) throws IOException, InterruptedException {
        URI uri = URI.create(server.rootUrl() + bad.path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(CLIENT_TIMEOUT).method(bad.method,
                bad.body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bad.body));
        if (bad.body != null && bad.contentType != null) b.header("Content-Type", bad.contentType);
        bad.headers.forEach(b::header);
        if (bad.as == As.ROOT) {
            b.header("Authorization", Hawk.header(bad.method, uri, server.rootClientId(), server.rootAccessToken(), null, null));
        }
        // a fresh connection per row: the server may close one after refusing a malformed request
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(CLIENT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
        }
    }

    /** Writes the request line and headers byte for byte (unsigned) and reads one response. */
    private Answer sendRaw(Bad bad) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) CLIENT_TIMEOUT.toMillis());
            StringBuilder req = new StringBuilder(bad.method + " " + bad.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n");
            bad.headers.forEach((k, v) -> req.append(v.isEmpty() ? k : k + ": " + v).append("\r\n"));
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return parseResponse(all.toByteArray());
        }
    }

    private static Answer parseResponse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) return new Answer(0, null, bytes);
        String[] lines = text.substring(0, headEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String type = null;
        boolean chunked = false;
        for (String l : lines) {
            String lower = l.toLowerCase();
            if (lower.startsWith("content-type:")) type = l.substring(13).trim();
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
        }
        String body = text.substring(headEnd + 4);
        if (chunked) body = dechunk(body);
        return new Answer(status, type, body.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            if (eol < 0) break;
            int size = Integer.parseInt(body.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) break;
            out.append(body, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }

    private static String truncate(String s) { return s.length() > 300 ? s.substring(0, 300) + "…" : s; }
}
