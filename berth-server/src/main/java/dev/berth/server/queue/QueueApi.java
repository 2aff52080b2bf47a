package dev.berth.server.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.queue.ArtifactService;
import dev.berth.core.queue.Claim;
import dev.berth.core.queue.RunScopes;
import dev.berth.core.queue.QueueService;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Priority;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.auth.Caller;
import dev.berth.server.http.Bodies;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The queue service's HTTP routes, Taskcluster queue v1 wire format, all declared in {@link #routes}. */
public final class QueueApi {

    public static final String PREFIX = "/api/queue/v1";
    public static final String VERSION = "0.1.0";
    private static final Duration MAX_CLAIM_WAIT = Duration.ofSeconds(20);
    private static final Duration UPLOAD_URL_VALIDITY = Duration.ofHours(1);
    private static final Duration LIVE_RECHECK = Duration.ofSeconds(1);

    private final QueueService queue;
    private final ArtifactService artifacts;
    private final Authenticator auth;
    private final Bodies bodies;
    private final UploadTokens uploadTokens;
    private final MeterRegistry metrics;
    private final String rootUrl;
    private final Instant started = Instant.now();

    public QueueApi(QueueService queue, ArtifactService artifacts, Authenticator auth, Bodies bodies,
                    UploadTokens uploadTokens, MeterRegistry metrics, String rootUrl) {
        this.queue = queue;
        this.artifacts = artifacts;
        this.auth = auth;
        this.bodies = bodies;
        this.uploadTokens = uploadTokens;
        this.metrics = metrics;
        this.rootUrl = rootUrl;
    }

    public void routes(JavalinConfig c) {
        var r = c.routes;
        r.get(PREFIX + "/ping", this::ping);
        r.get(PREFIX + "/__lbheartbeat__", ctx -> ctx.json(Json.MAPPER.createObjectNode()));
        r.get(PREFIX + "/__heartbeat__", ctx -> {
            queue.pendingCount("berth/heartbeat");
            ctx.json(Json.MAPPER.createObjectNode());
        });
        r.get(PREFIX + "/__version__", ctx -> ctx.json(java.util.Map.of("source", "https://berth.dev", "version", VERSION)));
        r.get(PREFIX + "/task/{taskId}", this::task);
        r.get(PREFIX + "/task/{taskId}/status", this::status);
        r.put(PREFIX + "/task/{taskId}", this::createTask);
        r.post(PREFIX + "/task/{taskId}/schedule", this::scheduleTask);
        r.post(PREFIX + "/task/{taskId}/cancel", this::cancelTask);
        r.post(PREFIX + "/task/{taskId}/rerun", this::rerunTask);
        r.post(PREFIX + "/claim-work/{provisionerId}/{workerType}", this::claimWork);
        r.post(PREFIX + "/claim-work/{taskQueueId}", this::claimWork);
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/claim", this::claimTask);
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/reclaim", this::reclaimTask);
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/completed", ctx -> resolve(ctx, TaskState.COMPLETED));
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/failed", ctx -> resolve(ctx, TaskState.FAILED));
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/exception", ctx -> resolve(ctx, TaskState.EXCEPTION));
        r.get(PREFIX + "/task-group/{taskGroupId}/list", this::listTaskGroup);
        r.get(PREFIX + "/task/{taskId}/dependents", this::listDependentTasks);
        r.get(PREFIX + "/pending/{provisionerId}/{workerType}", this::pendingTasks);
        r.get(PREFIX + "/pending/{taskQueueId}", this::pendingTasks);
        r.get(PREFIX + "/task-queues/{provisionerId}/{workerType}/counts", this::taskQueueCounts);
        r.get(PREFIX + "/task-queues/{taskQueueId}/counts", this::taskQueueCounts);
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/artifacts/<name>", this::createArtifact);
        r.put(PREFIX + "/task/{taskId}/runs/{runId}/artifacts/<name>", this::finishArtifact);
        r.get(PREFIX + "/task/{taskId}/runs/{runId}/artifacts/<name>", this::getArtifact);
        r.get(PREFIX + "/task/{taskId}/artifacts/<name>", this::getLatestArtifact);
        r.get(PREFIX + "/task/{taskId}/runs/{runId}/artifacts", this::listArtifacts);
        r.get(PREFIX + "/task/{taskId}/artifacts", this::listLatestArtifacts);
        r.get(PREFIX + "/task/{taskId}/runs/{runId}/artifact-info/<name>", ctx -> {
            String taskId = Bodies.taskId(ctx);
            int runId = Bodies.runId(ctx);
            auth.authenticate(ctx).require("queue:list-artifacts:" + taskId + ":" + runId);
            json(ctx, artifactInfo(artifacts.find(taskId, runId, ctx.pathParam("name"))));
        });
        r.get(PREFIX + "/task/{taskId}/artifact-info/<name>", ctx -> {
            String taskId = Bodies.taskId(ctx);
            auth.authenticate(ctx).require("queue:list-artifacts:" + taskId);
            json(ctx, artifactInfo(artifacts.find(taskId, artifacts.latestRunId(taskId), ctx.pathParam("name"))));
        });
        // Berth's stand-in for a pre-signed S3 URL: PUT stores the bytes, POST appends (live logs).
        r.put(PREFIX + "/task/{taskId}/runs/{runId}/artifact-content/<name>", ctx -> upload(ctx, false));
        r.post(PREFIX + "/task/{taskId}/runs/{runId}/artifact-content/<name>", ctx -> upload(ctx, true));
    }

    // ---- tasks

    private void ping(Context ctx) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("alive", true);
        out.put("uptime", Duration.between(started, Instant.now()).toSeconds());
        ctx.json(out);
    }

    private void task(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        auth.authenticate(ctx).require("queue:get-task:" + taskId);
        json(ctx, TaskDefinitions.toJson(queue.task(taskId).definition()));
    }

    private void status(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        auth.authenticate(ctx).require("queue:status:" + taskId);
        json(ctx, statusResponse(queue.status(taskId)));
    }

    private void createTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        Caller caller = auth.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "queue/v1/create-task-request.json");
        TaskDefinition def = TaskDefinitions.fromRequest(taskId, body);
        requireCreateScopes(caller, def);
        TaskStatus status = queue.createTask(taskId, def);
        metrics.counter("berth_queue_tasks_submitted").increment();
        json(ctx, statusResponse(status));
    }

    /**
     * As Taskcluster: the creator must hold every scope the task carries, queue:route:&lt;route&gt; for each route,
     * queue:scheduler-id:&lt;schedulerId&gt;, and queue:create-task:&lt;priority&gt;:&lt;taskQueueId&gt; for the task's
     * priority or any higher one.
     */
    public static void requireCreateScopes(Caller caller, TaskDefinition def) {
        List<String> needed = new ArrayList<>(def.scopes());
        def.routes().forEach(route -> needed.add("queue:route:" + route));
        needed.add("queue:create-task:project:" + def.projectId());
        needed.add("queue:scheduler-id:" + def.schedulerId());
        caller.requireAll(needed);
        List<List<String>> createAlternatives = new ArrayList<>();
        for (Priority p : Priority.values()) {
            if (p.level() >= def.priority().level()) {
                createAlternatives.add(List.of("queue:create-task:" + p.wire() + ":" + def.taskQueueId()));
            }
        }
        caller.requireAnyOf(createAlternatives);
    }

    private void scheduleTask(Context ctx) {
        TaskRecord t = queue.task(Bodies.taskId(ctx));
        auth.authenticate(ctx).requireAnyOf(List.of(
                List.of("queue:schedule-task:" + scopePath(t)),
                List.of("queue:schedule-task-in-project:" + t.definition().projectId()),
                List.of("queue:schedule-task", "assume:scheduler-id:" + t.definition().schedulerId() + "/" + t.definition().taskGroupId())));
        json(ctx, statusResponse(queue.scheduleTask(t.taskId())));
    }

    private void cancelTask(Context ctx) {
        TaskRecord t = queue.task(Bodies.taskId(ctx));
        auth.authenticate(ctx).requireAnyOf(List.of(
                List.of("queue:cancel-task:" + scopePath(t)),
                List.of("queue:cancel-task-in-project:" + t.definition().projectId()),
                List.of("queue:cancel-task", "assume:scheduler-id:" + t.definition().schedulerId() + "/" + t.definition().taskGroupId())));
        json(ctx, statusResponse(queue.cancelTask(t.taskId())));
    }

    private void rerunTask(Context ctx) {
        TaskRecord t = queue.task(Bodies.taskId(ctx));
        auth.authenticate(ctx).requireAnyOf(List.of(
                List.of("queue:rerun-task:" + scopePath(t)),
                List.of("queue:rerun-task-in-project:" + t.definition().projectId()),
                List.of("queue:rerun-task", "assume:scheduler-id:" + t.definition().schedulerId() + "/" + t.definition().taskGroupId())));
        json(ctx, statusResponse(queue.rerunTask(t.taskId())));
    }

    private static String scopePath(TaskRecord t) {
        return t.definition().schedulerId() + "/" + t.definition().taskGroupId() + "/" + t.taskId();
    }

    // ---- workers

    private void claimWork(Context ctx) throws InterruptedException {
        String taskQueueId = taskQueueId(ctx);
        Caller caller = auth.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "queue/v1/claim-work-request.json");
        String workerGroup = body.get("workerGroup").asText();
        String workerId = body.get("workerId").asText();
        int max = body.get("tasks").asInt();
        caller.requireAll(List.of("queue:claim-work:" + taskQueueId, "queue:worker-id:" + workerGroup + "/" + workerId));
        List<Claim> claims = LongPollClaims.claimWork(queue, ctx, taskQueueId, workerGroup, workerId, max, claimWait(ctx));
        metrics.counter("berth_queue_runs_claimed").increment(claims.size());
        List<Object> tasks = new ArrayList<>(claims.size());
        for (Claim claim : claims) tasks.add(claimResponse(claim, true));
        json(ctx, java.util.Map.of("tasks", tasks));
    }

    private void claimTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        Caller caller = auth.authenticate(ctx);
        JsonNode body = bodies.json(ctx, "queue/v1/task-claim-request.json");
        String workerGroup = body.get("workerGroup").asText();
        String workerId = body.get("workerId").asText();
        TaskRecord t = queue.task(taskId);
        caller.requireAll(List.of("queue:claim-task:" + t.definition().taskQueueId(),
                "queue:worker-id:" + workerGroup + "/" + workerId));
        json(ctx, claimResponse(queue.claimTask(taskId, runId, workerGroup, workerId), true));
    }

    private void reclaimTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        auth.authenticate(ctx).require("queue:reclaim-task:" + taskId + "/" + runId);
        json(ctx, claimResponse(queue.reclaimTask(taskId, runId), false));
    }

    private void resolve(Context ctx, TaskState outcome) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        auth.authenticate(ctx).require("queue:resolve-task:" + taskId + "/" + runId);
        TaskStatus status = switch (outcome) {
            case COMPLETED -> queue.reportCompleted(taskId, runId);
            case FAILED -> queue.reportFailed(taskId, runId);
            default -> {
                JsonNode body = bodies.json(ctx, "queue/v1/task-exception-request.json");
                yield queue.reportException(taskId, runId, ReasonResolved.fromWire(body.get("reason").asText()));
            }
        };
        metrics.counter("berth_queue_runs_resolved", "state", outcome.wire()).increment();
        json(ctx, statusResponse(status));
    }

    /** Written straight to bytes (no intermediate tree for the status). */
    private java.util.Map<String, Object> claimResponse(Claim claim, boolean withTask) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("status", claim.status());
        out.put("runId", claim.runId());
        out.put("workerGroup", claim.workerGroup());
        out.put("workerId", claim.workerId());
        out.put("takenUntil", Json.format(claim.takenUntil()));
        if (withTask) out.put("task", TaskDefinitions.toJson(claim.task()));
        out.put("credentials", auth.temporaryCredentials(
                RunScopes.of(claim.taskId(), claim.runId(), claim.task().scopes()), claim.takenUntil()));
        return out;
    }

    // ---- listings

    private void listTaskGroup(Context ctx) {
        String groupId = ctx.pathParam("taskGroupId");
        auth.authenticate(ctx).require("queue:list-task-group:" + groupId);
        Page<TaskRecord> page = queue.taskGroup(groupId, ctx.queryParam("continuationToken"), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskGroupId", groupId);
        ArrayNode tasks = out.putArray("tasks");
        for (TaskRecord t : page.items()) tasks.add(taskAndStatus(t));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        json(ctx, out);
    }

    private void listDependentTasks(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        auth.authenticate(ctx).require("queue:list-dependent-tasks:" + taskId);
        queue.task(taskId);
        Page<String> page = queue.dependents(taskId, ctx.queryParam("continuationToken"), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskId", taskId);
        ArrayNode tasks = out.putArray("tasks");
        for (String id : page.items()) {
            try {
                tasks.add(taskAndStatus(queue.task(id)));
            } catch (BerthException e) {
                // expired between the two reads: leave it out
            }
        }
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        json(ctx, out);
    }

    private ObjectNode taskAndStatus(TaskRecord t) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.set("status", Json.MAPPER.valueToTree(t.status()));
        o.set("task", TaskDefinitions.toJson(t.definition()));
        return o;
    }

    private void pendingTasks(Context ctx) {
        String taskQueueId = taskQueueId(ctx);
        String provisionerId = taskQueueId.substring(0, taskQueueId.indexOf('/'));
        String workerType = taskQueueId.substring(taskQueueId.indexOf('/') + 1);
        auth.authenticate(ctx).require("queue:pending-count:" + taskQueueId);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("provisionerId", provisionerId);
        out.put("workerType", workerType);
        out.put("taskQueueId", taskQueueId);
        out.put("pendingTasks", queue.pendingCount(taskQueueId));
        json(ctx, out);
    }

    private void taskQueueCounts(Context ctx) {
        String taskQueueId = taskQueueId(ctx);
        auth.authenticate(ctx).require("queue:pending-count:" + taskQueueId);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskQueueId", taskQueueId);
        out.put("pendingTasks", queue.pendingCount(taskQueueId));
        out.put("claimedTasks", queue.runningCount(taskQueueId));
        json(ctx, out);
    }

    // ---- artifacts

    private void createArtifact(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        auth.authenticate(ctx).require("queue:create-artifact:" + taskId + "/" + runId);
        JsonNode body = bodies.json(ctx, "queue/v1/post-artifact-request.json");
        ArtifactRecord a = artifacts.create(taskId, runId, name, body);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("storageType", a.storageType());
        out.put("expires", Json.format(a.expires()));
        out.put("contentType", a.contentType());
        if ("s3".equals(a.storageType())) {
            out.put("putUrl", contentUrl(taskId, runId, name) + "?token="
                    + uploadTokens.issue(taskId, runId, name, UPLOAD_URL_VALIDITY));
        }
        json(ctx, out);
    }

    private void finishArtifact(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        auth.authenticate(ctx).require("queue:create-artifact:" + taskId + "/" + runId);
        artifacts.finish(taskId, runId, name);
        ctx.json(Json.MAPPER.createObjectNode());
    }

    private void upload(Context ctx, boolean append) throws IOException {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        if (!uploadTokens.valid(ctx.queryParam("token"), taskId, runId, name)) {
            auth.authenticate(ctx).require("queue:create-artifact:" + taskId + "/" + runId);
        }
        if (append) {
            long size = artifacts.append(taskId, runId, name, ctx.bodyInputStream().readAllBytes());
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("size", size);
            ctx.json(out);
        } else {
            try (InputStream in = ctx.bodyInputStream()) {
                artifacts.upload(taskId, runId, name, in);
            }
            ctx.status(200).result("");
        }
    }

    private String contentUrl(String taskId, int runId, String name) {
        return rootUrl + PREFIX + "/task/" + taskId + "/runs/" + runId + "/artifact-content/" + encodePath(name);
    }

    private static String encodePath(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/", -1)) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }

    private void getArtifact(Context ctx) throws IOException, InterruptedException {
        serveArtifact(ctx, Bodies.taskId(ctx), Bodies.runId(ctx));
    }

    private void getLatestArtifact(Context ctx) throws IOException, InterruptedException {
        String taskId = Bodies.taskId(ctx);
        serveArtifact(ctx, taskId, artifacts.latestRunId(taskId));
    }

    private void serveArtifact(Context ctx, String taskId, int runId) throws IOException, InterruptedException {
        String name = ctx.pathParam("name");
        if (!name.startsWith("public/")) auth.authenticate(ctx).require("queue:get-artifact:" + name);
        ArtifactService.Resolved r = artifacts.resolve(taskId, runId, name);
        ArtifactRecord a = r.artifact();
        switch (a.storageType()) {
            case "reference" -> ctx.status(303).header("Location", r.redirectUrl()).result("");
            case "error" -> {
                ObjectNode out = Json.MAPPER.createObjectNode();
                out.put("code", "ArtifactError");
                out.put("message", "artifact " + name + " is an error artifact: " + r.errorMessage());
                out.put("reason", a.details().path("reason").asText());
                ctx.status(424).contentType("application/json").result(Json.write(out));
            }
            default -> streamBytes(ctx, a);
        }
    }

    /**
     * Streams an s3 artifact. One still being written (a live log of a running run) is followed: new bytes
     * are sent as they arrive until the artifact is finished or the run resolves.
     */
    private void streamBytes(Context ctx, ArtifactRecord a) throws IOException, InterruptedException {
        ctx.contentType(a.contentType());
        ctx.header("Cache-Control", "no-cache");
        if (a.present()) {
            if (a.details() != null && a.details().has("size")) ctx.header("Content-Length", a.details().get("size").asText());
            Optional<InputStream> in = artifacts.open(a, 0);
            if (in.isEmpty()) throw BerthException.notFound("artifact " + a.name() + " has no stored content");
            try (InputStream body = in.get(); OutputStream out = ctx.outputStream()) {
                body.transferTo(out);
            }
            return;
        }
        ctx.header("X-Berth-Live", "true");
        // The servlet stream itself: Javalin's (compressing) ctx.outputStream() does not pass flush() on, so a
        // follower would see nothing until the buffer filled or the run resolved.
        OutputStream out = ctx.res().getOutputStream();
        long offset = 0;
        Instant idleSince = Instant.now();
        while (true) {
            long seen = artifacts.writeGeneration(a);
            long sent = 0;
            Optional<InputStream> in = artifacts.open(a, offset);
            if (in.isPresent()) {
                try (InputStream body = in.get()) {
                    sent = body.transferTo(out);
                }
            }
            offset += sent;
            if (sent > 0) {
                out.flush();
                idleSince = Instant.now();
                continue;
            }
            ArtifactRecord now = artifacts.find(a.taskId(), a.runId(), a.name());
            if (now.present() || !queue.isRunning(a.taskId(), a.runId())) {
                // one last read: bytes may have landed between our read and the check
                Optional<InputStream> rest = artifacts.open(now, offset);
                if (rest.isPresent()) try (InputStream body = rest.get()) { body.transferTo(out); }
                artifacts.followingEnded(a);
                break;
            }
            if (Duration.between(idleSince, Instant.now()).toHours() >= 1) break;
            // woken at once by a write through this server; a write through another server is seen within a second
            artifacts.awaitWrite(a, seen, LIVE_RECHECK);
        }
        out.close();
    }

    private void listArtifacts(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        listArtifactsOf(ctx, taskId, runId, "queue:list-artifacts:" + taskId + ":" + runId);
    }

    private void listLatestArtifacts(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        auth.authenticate(ctx).require("queue:list-artifacts:" + taskId);
        listArtifactsOf(ctx, taskId, artifacts.latestRunId(taskId), null);
    }

    private void listArtifactsOf(Context ctx, String taskId, int runId, String scope) {
        if (scope != null) auth.authenticate(ctx).require(scope);
        Page<ArtifactRecord> page = artifacts.list(taskId, runId, ctx.queryParam("continuationToken"), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("artifacts");
        for (ArtifactRecord a : page.items()) list.add(artifactInfo(a));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        json(ctx, out);
    }

    // ---- helpers

    /** Berth's optional {@code ?wait=<seconds>} bound on the long poll; Taskcluster's 20 s otherwise. */
    private static Duration claimWait(Context ctx) {
        String wait = ctx.queryParam("wait");
        if (wait == null) return MAX_CLAIM_WAIT;
        try {
            long seconds = Long.parseLong(wait);
            if (seconds < 0) throw new NumberFormatException();
            return Duration.ofSeconds(Math.min(seconds, MAX_CLAIM_WAIT.toSeconds()));
        } catch (NumberFormatException e) {
            throw BerthException.input("wait must be a whole number of seconds (0 to 20); got '" + wait + "'");
        }
    }

    private static ObjectNode artifactInfo(ArtifactRecord a) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("storageType", a.storageType());
        o.put("name", a.name());
        o.put("expires", Json.format(a.expires()));
        o.put("contentType", a.contentType());
        return o;
    }

    /** The task queue id of a route: clients send it with its slash as is, or encoded as %2F. */
    private static String taskQueueId(Context ctx) {
        String id = ctx.pathParamMap().containsKey("taskQueueId")
                ? ctx.pathParam("taskQueueId") : ctx.pathParam("provisionerId") + "/" + ctx.pathParam("workerType");
        int slash = id.indexOf('/');
        if (slash <= 0 || slash == id.length() - 1 || id.indexOf('/', slash + 1) >= 0) {
            throw BerthException.input("taskQueueId must look like '<provisionerId>/<workerType>'; got '" + id + "'");
        }
        return id;
    }

    private static java.util.Map<String, Object> statusResponse(TaskStatus status) {
        return java.util.Map.of("status", status);
    }

    /** Serialises {@code body} (a tree, a map or a POJO) once, straight to the response bytes. */
    private static void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.writeBytes(body));
    }

}
