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
import dev.berth.core.store.BlobStore;
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Priority;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.http.Bodies;
import dev.berth.core.auth.ScopeTemplate;
import dev.berth.server.http.PathParams;
import dev.berth.server.http.RouteTable;
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

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.anyOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.ifThen;
import static dev.berth.core.auth.ScopeTemplate.scope;

/** The queue service's HTTP routes, Taskcluster queue v1 wire format, all declared in the table of {@link #routes}. */
public final class QueueApi {

    public static final String PREFIX = "/api/queue/v1";
    public static final String VERSION = "0.1.0";
    private static final Duration MAX_CLAIM_WAIT = Duration.ofSeconds(20);
    private static final Duration UPLOAD_URL_VALIDITY = Duration.ofHours(1);
    private static final Duration DOWNLOAD_URL_VALIDITY = Duration.ofMinutes(30);
    private static final Duration LIVE_RECHECK = Duration.ofSeconds(1);
    /** The request attribute holding createTask's definition, parsed once for the scope check and the handler. */
    private static final String DEFINITION = "berth.definition";
    private static final java.util.regex.Pattern ARTIFACT_KEY = java.util.regex.Pattern.compile("[^\\x00-\\x1f\\x7f]+");

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

    /** Every queue route once: method, path, Taskcluster name, the scopes it needs (as Taskcluster's reference), handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        t.get("/ping", "ping", null, this::ping);
        t.get("/__lbheartbeat__", "lbheartbeat", null, ctx -> ctx.json(Json.MAPPER.createObjectNode()));
        t.get("/__heartbeat__", "heartbeat", null, ctx -> {
            queue.pendingCount("berth/heartbeat");
            ctx.json(Json.MAPPER.createObjectNode());
        });
        t.get("/__version__", "version", null, ctx -> ctx.json(java.util.Map.of("source", "https://berth.dev", "version", VERSION)));
        t.get("/task/{taskId}", "task", scope("queue:get-task:<taskId>"), this::task);
        t.get("/task/{taskId}/status", "status", scope("queue:status:<taskId>"), this::status);
        t.put("/task/{taskId}", "createTask", CREATE_TASK_SCOPES, this::createTaskParams, this::createTask);
        t.post("/task/{taskId}/schedule", "scheduleTask", taskActionScopes("schedule-task"), this::storedTaskParams, this::scheduleTask);
        t.post("/task/{taskId}/cancel", "cancelTask", taskActionScopes("cancel-task"), this::storedTaskParams, this::cancelTask);
        t.post("/task/{taskId}/rerun", "rerunTask", taskActionScopes("rerun-task"), this::storedTaskParams, this::rerunTask);
        ScopeTemplate claimWork = allOf(scope("queue:claim-work:<taskQueueId>"), scope("queue:worker-id:<workerGroup>/<workerId>"));
        t.post("/claim-work/{provisionerId}/{workerType}", "claimWork", claimWork, this::claimWorkParams, this::claimWork);
        t.post("/claim-work/{taskQueueId}", "claimWork", claimWork, this::claimWorkParams, this::claimWork);
        t.post("/task/{taskId}/runs/{runId}/claim", "claimTask",
                allOf(scope("queue:claim-task:<provisionerId>/<workerType>"), scope("queue:worker-id:<workerGroup>/<workerId>")),
                this::claimTaskParams, this::claimTask);
        t.post("/task/{taskId}/runs/{runId}/reclaim", "reclaimTask", scope("queue:reclaim-task:<taskId>/<runId>"), this::reclaimTask);
        ScopeTemplate resolve = scope("queue:resolve-task:<taskId>/<runId>");
        t.post("/task/{taskId}/runs/{runId}/completed", "reportCompleted", resolve, ctx -> resolve(ctx, TaskState.COMPLETED));
        t.post("/task/{taskId}/runs/{runId}/failed", "reportFailed", resolve, ctx -> resolve(ctx, TaskState.FAILED));
        t.post("/task/{taskId}/runs/{runId}/exception", "reportException", resolve, ctx -> resolve(ctx, TaskState.EXCEPTION));
        t.get("/task-group/{taskGroupId}/list", "listTaskGroup", scope("queue:list-task-group:<taskGroupId>"), this::listTaskGroup);
        t.get("/task/{taskId}/dependents", "listDependentTasks", scope("queue:list-dependent-tasks:<taskId>"), this::listDependentTasks);
        ScopeTemplate pending = scope("queue:pending-count:<taskQueueId>");
        t.get("/pending/{provisionerId}/{workerType}", "pendingTasks", pending, this::pendingTasks);
        t.get("/pending/{taskQueueId}", "pendingTasks", pending, this::pendingTasks);
        t.get("/task-queues/{provisionerId}/{workerType}/counts", "taskQueueCounts", pending, this::taskQueueCounts);
        t.get("/task-queues/{taskQueueId}/counts", "taskQueueCounts", pending, this::taskQueueCounts);
        ScopeTemplate createArtifact = scope("queue:create-artifact:<taskId>/<runId>");
        t.post("/task/{taskId}/runs/{runId}/artifacts/<name>", "createArtifact", createArtifact, this::createArtifact);
        t.put("/task/{taskId}/runs/{runId}/artifacts/<name>", "finishArtifact", createArtifact, this::finishArtifact);
        ScopeTemplate getArtifact = allOf(forEach("name", "names", "queue:get-artifact:<name>"));
        t.get("/task/{taskId}/runs/{runId}/artifacts/<name>", "getArtifact", getArtifact, QueueApi::artifactNames, this::getArtifact);
        t.get("/task/{taskId}/artifacts/<name>", "getLatestArtifact", getArtifact, QueueApi::artifactNames, this::getLatestArtifact);
        t.get("/task/{taskId}/runs/{runId}/artifacts", "listArtifacts", scope("queue:list-artifacts:<taskId>:<runId>"), this::listArtifacts);
        t.get("/task/{taskId}/artifacts", "listLatestArtifacts", scope("queue:list-artifacts:<taskId>"), this::listLatestArtifacts);
        t.get("/task/{taskId}/runs/{runId}/artifact-info/<name>", "artifactInfo", scope("queue:list-artifacts:<taskId>:<runId>"), ctx -> {
            String taskId = Bodies.taskId(ctx);
            int runId = Bodies.runId(ctx);
            json(ctx, artifactInfo(artifacts.find(taskId, runId, ctx.pathParam("name"))));
        });
        t.get("/task/{taskId}/artifact-info/<name>", "latestArtifactInfo", scope("queue:list-artifacts:<taskId>"), ctx -> {
            String taskId = Bodies.taskId(ctx);
            json(ctx, artifactInfo(artifacts.find(taskId, artifacts.latestRunId(taskId), ctx.pathParam("name"))));
        });
        // Berth's stand-in for a pre-signed S3 URL: PUT stores the bytes, POST appends (live logs). The URL's
        // token stands for the scope; without a valid one the caller needs the scope itself.
        ScopeTemplate upload = ifThen("tokenInvalid", createArtifact);
        t.put("/task/{taskId}/runs/{runId}/artifact-content/<name>", "uploadArtifactContent", upload, this::uploadParams, ctx -> upload(ctx, false));
        t.post("/task/{taskId}/runs/{runId}/artifact-content/<name>", "appendArtifactContent", upload, this::uploadParams, ctx -> upload(ctx, true));
        return t;
    }

    /**
     * As Taskcluster: the creator must hold every scope the task carries, queue:route:&lt;route&gt; for each route,
     * queue:scheduler-id:&lt;schedulerId&gt;, and queue:create-task:&lt;priority&gt;:&lt;taskQueueId&gt; for the task's
     * priority or any higher one.
     */
    public static final ScopeTemplate CREATE_TASK_SCOPES = allOf(
            forEach("scope", "scopes", "<scope>"),
            forEach("route", "routes", "queue:route:<route>"),
            scope("queue:create-task:project:<projectId>"),
            scope("queue:scheduler-id:<schedulerId>"),
            anyOf(forEach("priority", "priorities", "queue:create-task:<priority>:<provisionerId>/<workerType>")));

    /** schedule, cancel and rerun: by task, by project, or by scheduler id and task group. */
    private static ScopeTemplate taskActionScopes(String action) {
        return anyOf(scope("queue:" + action + ":<schedulerId>/<taskGroupId>/<taskId>"),
                scope("queue:" + action + "-in-project:<projectId>"),
                allOf(scope("queue:" + action), scope("assume:scheduler-id:<schedulerId>/<taskGroupId>")));
    }

    /** The parameters of {@link #CREATE_TASK_SCOPES} for a task definition. */
    public static java.util.Map<String, Object> createTaskParams(TaskDefinition def) {
        List<String> priorities = new ArrayList<>();
        for (Priority p : Priority.values()) {
            if (p.level() >= def.priority().level()) priorities.add(p.wire());
        }
        String queueId = def.taskQueueId();
        return java.util.Map.of("scopes", def.scopes(), "routes", def.routes(), "projectId", def.projectId(),
                "schedulerId", def.schedulerId(), "priorities", priorities,
                "provisionerId", queueId.substring(0, queueId.indexOf('/')), "workerType", queueId.substring(queueId.indexOf('/') + 1));
    }

    private java.util.Map<String, Object> createTaskParams(Context ctx) {
        TaskDefinition def = TaskDefinitions.fromRequest(Bodies.taskId(ctx), bodies.json(ctx, "queue/v1/create-task-request.json"));
        ctx.attribute(DEFINITION, def);
        return createTaskParams(def);
    }

    private java.util.Map<String, Object> storedTaskParams(Context ctx) {
        TaskDefinition def = queue.task(Bodies.taskId(ctx)).definition();
        return java.util.Map.of("schedulerId", def.schedulerId(), "taskGroupId", def.taskGroupId(), "projectId", def.projectId());
    }

    private java.util.Map<String, Object> claimWorkParams(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/claim-work-request.json");
        return java.util.Map.of("workerGroup", body.get("workerGroup").asText(), "workerId", body.get("workerId").asText());
    }

    private java.util.Map<String, Object> claimTaskParams(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/task-claim-request.json");
        String queueId = queue.task(Bodies.taskId(ctx)).definition().taskQueueId();
        return java.util.Map.of("workerGroup", body.get("workerGroup").asText(), "workerId", body.get("workerId").asText(),
                "provisionerId", queueId.substring(0, queueId.indexOf('/')), "workerType", queueId.substring(queueId.indexOf('/') + 1));
    }

    /** Public artifacts are readable without credentials (anonymous holds queue:get-artifact:public/* by default, too). */
    private static java.util.Map<String, Object> artifactNames(Context ctx) {
        String name = ctx.pathParam("name");
        return java.util.Map.of("names", name.startsWith("public/") ? List.of() : List.of(name));
    }

    private java.util.Map<String, Object> uploadParams(Context ctx) {
        boolean valid = uploadTokens.valid(ctx.queryParam("token"), Bodies.taskId(ctx), Bodies.runId(ctx), ctx.pathParam("name"));
        return java.util.Map.of("tokenInvalid", !valid);
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
        json(ctx, TaskDefinitions.toJson(queue.task(taskId).definition()));
    }

    private void status(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        json(ctx, statusResponse(queue.status(taskId)));
    }

    private void createTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        TaskDefinition def = ctx.attribute(DEFINITION);
        TaskStatus status = queue.createTask(taskId, def);
        metrics.counter("berth_queue_tasks_submitted").increment();
        json(ctx, statusResponse(status));
    }

    private void scheduleTask(Context ctx) {
        json(ctx, statusResponse(queue.scheduleTask(Bodies.taskId(ctx))));
    }

    private void cancelTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        TaskState before = queue.status(taskId).state();
        boolean unresolved = before == TaskState.UNSCHEDULED || before == TaskState.PENDING || before == TaskState.RUNNING;
        TaskStatus status = queue.cancelTask(taskId);
        if (unresolved) countResolved(metrics, TaskState.EXCEPTION.wire(), ReasonResolved.CANCELED.wire(), 1);
        json(ctx, statusResponse(status));
    }

    private void rerunTask(Context ctx) {
        json(ctx, statusResponse(queue.rerunTask(Bodies.taskId(ctx))));
    }

    // ---- workers

    private void claimWork(Context ctx) throws InterruptedException {
        String taskQueueId = taskQueueId(ctx);
        JsonNode body = bodies.json(ctx, "queue/v1/claim-work-request.json");
        String workerGroup = body.get("workerGroup").asText();
        String workerId = body.get("workerId").asText();
        int max = body.get("tasks").asInt();
        List<Claim> claims = LongPollClaims.claimWork(queue, ctx, taskQueueId, workerGroup, workerId, max, claimWait(ctx));
        metrics.counter("berth_queue_runs_claimed").increment(claims.size());
        List<Object> tasks = new ArrayList<>(claims.size());
        for (Claim claim : claims) tasks.add(claimResponse(claim, true));
        json(ctx, java.util.Map.of("tasks", tasks));
    }

    private void claimTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        JsonNode body = bodies.json(ctx, "queue/v1/task-claim-request.json");
        String workerGroup = body.get("workerGroup").asText();
        String workerId = body.get("workerId").asText();
        Claim claim = queue.claimTask(taskId, runId, workerGroup, workerId);
        metrics.counter("berth_queue_runs_claimed").increment();
        json(ctx, claimResponse(claim, true));
    }

    private void reclaimTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        json(ctx, claimResponse(queue.reclaimTask(taskId, runId), false));
    }

    private void resolve(Context ctx, TaskState outcome) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String reason = outcome.wire();
        TaskStatus status = switch (outcome) {
            case COMPLETED -> queue.reportCompleted(taskId, runId);
            case FAILED -> queue.reportFailed(taskId, runId);
            default -> {
                JsonNode body = bodies.json(ctx, "queue/v1/task-exception-request.json");
                reason = body.get("reason").asText();
                yield queue.reportException(taskId, runId, ReasonResolved.fromWire(reason));
            }
        };
        countResolved(metrics, outcome.wire(), reason, 1);
        json(ctx, statusResponse(status));
    }

    /** Runs resolved, by state and reason (a worker's report, a cancel, or the server's claim and deadline sweeps). */
    public static void countResolved(MeterRegistry metrics, String state, String reason, int runs) {
        if (runs > 0) {
            io.micrometer.core.instrument.Counter.builder("berth_queue_runs_resolved")
                    .description("runs resolved, by state and reasonResolved")
                    .tag("state", state).tag("reason", reason).register(metrics).increment(runs);
        }
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
        Page<TaskRecord> page = queue.taskGroup(groupId, Bodies.continuationToken(ctx, PathParams.SLUGID), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskGroupId", groupId);
        ArrayNode tasks = out.putArray("tasks");
        for (TaskRecord t : page.items()) tasks.add(taskAndStatus(t));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        json(ctx, out);
    }

    private void listDependentTasks(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        queue.task(taskId);
        Page<String> page = queue.dependents(taskId, Bodies.continuationToken(ctx, PathParams.SLUGID), Bodies.limit(ctx, 1000));
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
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("provisionerId", provisionerId);
        out.put("workerType", workerType);
        out.put("taskQueueId", taskQueueId);
        out.put("pendingTasks", queue.pendingCount(taskQueueId));
        json(ctx, out);
    }

    private void taskQueueCounts(Context ctx) {
        String taskQueueId = taskQueueId(ctx);
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
        JsonNode body = bodies.json(ctx, "queue/v1/post-artifact-request.json");
        ArtifactRecord a = artifacts.create(taskId, runId, name, body);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("storageType", a.storageType());
        out.put("expires", Json.format(a.expires()));
        out.put("contentType", a.contentType());
        if ("s3".equals(a.storageType())) {
            // putUrl: straight to the object store when it presigns, else this server; appendUrl (Berth's
            // extension for live logs, which S3 cannot append to) always comes here.
            String serverUrl = contentUrl(taskId, runId, name) + "?token="
                    + uploadTokens.issue(taskId, runId, name, UPLOAD_URL_VALIDITY);
            out.put("putUrl", artifacts.directUploadUrl(a, UPLOAD_URL_VALIDITY).map(Object::toString).orElse(serverUrl));
            out.put("appendUrl", serverUrl);
        }
        json(ctx, out);
    }

    private void finishArtifact(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        artifacts.finish(taskId, runId, name);
        ctx.json(Json.MAPPER.createObjectNode());
    }

    private void upload(Context ctx, boolean append) throws IOException {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        if (!uploadTokens.valid(ctx.queryParam("token"), taskId, runId, name)) {
            }
        if (append) {
            byte[] bytes = ctx.bodyInputStream().readAllBytes();
            // ?offset=n: where the batch starts, so a batch sent again is stored once (see ArtifactService.appendAt)
            String at = ctx.queryParam("offset");
            BlobStore.Appended done = at == null ? new BlobStore.Appended(artifacts.append(taskId, runId, name, bytes), bytes.length)
                    : artifacts.appendAt(taskId, runId, name, ArtifactService.parseOffset(at), bytes);
            metrics.counter("berth_live_log_bytes_appended").increment(done.written());
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("size", done.size());
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
        // the scope of the artifact asked for and of every artifact a link leads to
        ArtifactService.Resolved r = artifacts.resolve(taskId, runId, name, scope -> auth.authenticate(ctx).require(scope));
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
            default -> {
                // a finished artifact in an object store is read from there, not through this server
                Optional<java.net.URI> direct = artifacts.directDownloadUrl(a, DOWNLOAD_URL_VALIDITY);
                if (direct.isPresent()) ctx.status(303).header("Location", direct.get().toString()).result("");
                else streamBytes(ctx, a);
            }
        }
    }

    /**
     * Streams an s3 artifact. One still being written (a live log of a running run) is followed: new bytes
     * are sent as they arrive until the artifact is finished or the run resolves.
     */
    private void streamBytes(Context ctx, ArtifactRecord a) throws IOException, InterruptedException {
        ctx.contentType(a.contentType());
        ctx.header("Cache-Control", "no-cache");
        // Bytes go out as stored, never gzipped on the fly: see ArtifactService.openFinished.
        ctx.disableCompression();
        if (a.present()) {
            ArtifactService.Content content = artifacts.openFinished(a);
            if (content.size() >= 0) ctx.res().setContentLengthLong(content.size());
            try (InputStream body = content.stream(); OutputStream out = ctx.res().getOutputStream()) {
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
        listArtifactsOf(ctx, taskId, runId);
    }

    private void listLatestArtifacts(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        listArtifactsOf(ctx, taskId, artifacts.latestRunId(taskId));
    }

    private void listArtifactsOf(Context ctx, String taskId, int runId) {
        Page<ArtifactRecord> page = artifacts.list(taskId, runId, Bodies.continuationToken(ctx, ARTIFACT_KEY), Bodies.limit(ctx, 1000));
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
