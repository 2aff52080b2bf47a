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
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskGroupRecord;
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
import dev.berth.server.http.ServiceMetaRoutes;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.anyOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.scope;

/** The queue service's HTTP routes, Taskcluster queue v1 wire format, all declared in the table of {@link #routes}. */
public final class QueueApi {

    public static final String PREFIX = "/api/queue/v1";
    private static final Duration MAX_CLAIM_WAIT = Duration.ofSeconds(20);
    /** The request attribute holding createTask's definition, parsed once for the scope check and the handler. */
    private static final String DEFINITION = "berth.definition";

    private final QueueService queue;
    private final Authenticator auth;
    private final Bodies bodies;
    private final MeterRegistry metrics;
    private final ArtifactRoutes artifactRoutes;
    /** Counters of the hot routes, looked up once rather than by a freshly built id per request. */
    private final io.micrometer.core.instrument.Counter submitted;
    private final io.micrometer.core.instrument.Counter runsClaimed;
    private final java.util.concurrent.ConcurrentHashMap<String, io.micrometer.core.instrument.Counter> resolvedCounters =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final WorkerRoutes workerRoutes;

    public QueueApi(QueueService queue, ArtifactService artifacts, dev.berth.core.workers.WorkerService workers,
                    Authenticator auth, Bodies bodies, UploadTokens uploadTokens, MeterRegistry metrics, String rootUrl,
                    ObjectArtifactRoutes objectArtifacts) {
        this.queue = queue;
        this.auth = auth;
        this.bodies = bodies;
        this.metrics = metrics;
        this.submitted = metrics.counter("berth_queue_tasks_submitted");
        this.runsClaimed = metrics.counter("berth_queue_runs_claimed");
        this.artifactRoutes = new ArtifactRoutes(queue, artifacts, auth, bodies, uploadTokens, metrics, rootUrl, objectArtifacts);
        this.workerRoutes = new WorkerRoutes(workers, queue, auth, bodies);
    }

    /** How the index's findArtifactFromTask points a client at an artifact's bytes. */
    public ArtifactRedirects artifactRedirects() { return artifactRoutes.redirects(); }

    /** Every queue route once: method, path, Taskcluster name, the scopes it needs (as Taskcluster's reference), handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, () -> queue.pendingCount("berth/heartbeat"));
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
        t.post("/tasks", "tasks", allOf(forEach("taskId", "taskIds", "queue:get-task:<taskId>")),
                this::taskIdsParams, ctx -> manyTasks(ctx, "tasks"));
        t.post("/tasks/status", "statuses", allOf(forEach("taskId", "taskIds", "queue:status:<taskId>")),
                this::taskIdsParams, ctx -> manyTasks(ctx, "statuses"));
        t.get("/task-group/{taskGroupId}", "getTaskGroup", scope("queue:list-task-group:<taskGroupId>"), this::getTaskGroup);
        t.post("/task-group/{taskGroupId}/seal", "sealTaskGroup", scope("queue:seal-task-group:<schedulerId>/<taskGroupId>"),
                this::storedGroupParams, this::sealTaskGroup);
        t.post("/task-group/{taskGroupId}/cancel", "cancelTaskGroup", scope("queue:cancel-task-group:<schedulerId>/<taskGroupId>"),
                this::storedGroupParams, this::cancelTaskGroup);
        t.get("/task/{taskId}/dependents", "listDependentTasks", scope("queue:list-dependent-tasks:<taskId>"), this::listDependentTasks);
        ScopeTemplate pending = scope("queue:pending-count:<taskQueueId>");
        t.get("/pending/{provisionerId}/{workerType}", "pendingTasks", pending, this::pendingTasks);
        t.get("/pending/{taskQueueId}", "pendingTasks", pending, this::pendingTasks);
        ScopeTemplate counts = allOf(pending, scope("queue:claimed-count:<taskQueueId>"));
        t.get("/task-queues/{provisionerId}/{workerType}/counts", "taskQueueCounts", counts, this::taskQueueCounts);
        t.get("/task-queues/{taskQueueId}/counts", "taskQueueCounts", counts, this::taskQueueCounts);
        artifactRoutes.addTo(t);
        workerRoutes.addTo(t);
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

    /** The request attribute holding the task ids of a tasks or statuses request, read once. */
    private static final String TASK_IDS = "berth.taskIds";

    private java.util.Map<String, Object> taskIdsParams(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/tasks-request.json");
        List<String> ids = new ArrayList<>();
        if (body.has("taskIds")) body.get("taskIds").forEach(id -> ids.add(id.asText()));
        ctx.attribute(TASK_IDS, ids);
        return java.util.Map.of("taskIds", ids);
    }

    /** The scheduler id a group's seal and cancel scopes name is the one stored with the group (404 when none). */
    private java.util.Map<String, Object> storedGroupParams(Context ctx) {
        String groupId = ctx.pathParam("taskGroupId");
        return java.util.Map.of("schedulerId", queue.taskGroupInfo(groupId).schedulerId(), "taskGroupId", groupId);
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

    // ---- tasks

    private void task(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        json(ctx, queue.task(taskId).definition());
    }

    private void status(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        json(ctx, statusResponse(queue.status(taskId)));
    }

    private void createTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        TaskDefinition def = ctx.attribute(DEFINITION);
        TaskStatus status = queue.createTask(taskId, def);
        workerRoutes.taskQueueUsed(def.taskQueueId());
        submitted.increment();
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
        if (workerRoutes.answeredQuarantined(ctx, taskQueueId, workerGroup, workerId, claimWait(ctx))) return;
        List<Claim> claims = LongPollClaims.claimWork(queue, ctx, taskQueueId, workerGroup, workerId, max, claimWait(ctx));
        workerRoutes.claimed(claims);
        runsClaimed.increment(claims.size());
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
        if (workerRoutes.answeredQuarantined(ctx, taskId, workerGroup, workerId)) return;
        Claim claim = queue.claimTask(taskId, runId, workerGroup, workerId);
        workerRoutes.claimed(List.of(claim));
        runsClaimed.increment();
        json(ctx, claimResponse(claim, true));
    }

    private void reclaimTask(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        Claim claim = queue.reclaimTask(taskId, runId);
        workerRoutes.seen(claim);
        json(ctx, claimResponse(claim, false));
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
        String state = outcome.wire();
        resolvedCounters.computeIfAbsent(state + ' ' + reason, k -> resolvedCounter(metrics, state, k.substring(state.length() + 1)))
                .increment();
        json(ctx, statusResponse(status));
    }

    /** Runs resolved, by state and reason (a worker's report, a cancel, or the server's claim and deadline sweeps). */
    public static void countResolved(MeterRegistry metrics, String state, String reason, int runs) {
        if (runs > 0) resolvedCounter(metrics, state, reason).increment(runs);
    }

    private static io.micrometer.core.instrument.Counter resolvedCounter(MeterRegistry metrics, String state, String reason) {
        return io.micrometer.core.instrument.Counter.builder("berth_queue_runs_resolved")
                .description("runs resolved, by state and reasonResolved")
                .tag("state", state).tag("reason", reason).register(metrics);
    }

    /** Written straight to bytes (no intermediate tree for the status). */
    private java.util.Map<String, Object> claimResponse(Claim claim, boolean withTask) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("status", claim.status());
        out.put("runId", claim.runId());
        out.put("workerGroup", claim.workerGroup());
        out.put("workerId", claim.workerId());
        out.put("takenUntil", Json.format(claim.takenUntil()));
        // the definition itself, not TaskDefinitions.toJson's tree of it: the same serializer writes the same
        // JSON, without building and walking a tree per claim
        if (withTask) out.put("task", claim.task());
        out.put("credentials", auth.temporaryCredentials(
                RunScopes.of(claim.taskId(), claim.runId(), claim.task().scopes()), claim.takenUntil()));
        return out;
    }

    // ---- listings

    private void listTaskGroup(Context ctx) {
        String groupId = ctx.pathParam("taskGroupId");
        Page<TaskRecord> page = queue.taskGroup(groupId, Bodies.continuationToken(ctx, PathParams.SLUGID), Bodies.limit(ctx, 1000));
        // as Taskcluster's current answer: the group's own fields too, when Berth has its row
        ObjectNode out = queue.findTaskGroup(groupId).map(QueueApi::taskGroupResponse).orElseGet(() -> {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("taskGroupId", groupId);
            return o;
        });
        ArrayNode tasks = out.putArray("tasks");
        for (TaskRecord t : page.items()) tasks.add(taskAndStatus(t));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        json(ctx, out);
    }

    /**
     * tasks and statuses: the definitions or statuses of the named tasks, in task id order, paged by the last id
     * returned. Ids naming no task (never created, expired, not even a slugid) are left out, as Taskcluster does.
     */
    private void manyTasks(Context ctx, String field) {
        List<String> requested = ctx.attribute(TASK_IDS);
        String token = Bodies.continuationToken(ctx, PathParams.SLUGID);
        String after = token == null ? null
                : new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
        int limit = Bodies.limit(ctx, 1000);
        java.util.TreeSet<String> ids = new java.util.TreeSet<>();
        for (String id : requested) {
            if (PathParams.SLUGID.matcher(id).matches() && (after == null || id.compareTo(after) > 0)) ids.add(id);
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray(field);
        String last = null;
        int taken = 0;
        for (String id : ids) {
            if (taken == limit) break;
            taken++;
            last = id;
            queue.findTask(id).ifPresent(t -> {
                ObjectNode item = items.addObject();
                item.put("taskId", id);
                if (field.equals("tasks")) item.set("task", TaskDefinitions.toJson(t.definition()));
                else item.set("status", Json.MAPPER.valueToTree(t.status()));
            });
        }
        if (taken == limit && ids.higher(last) != null) {
            out.put("continuationToken", java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(last.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        json(ctx, out);
    }

    private void getTaskGroup(Context ctx) {
        json(ctx, taskGroupResponse(queue.taskGroupInfo(ctx.pathParam("taskGroupId"))));
    }

    private void sealTaskGroup(Context ctx) {
        json(ctx, taskGroupResponse(queue.sealTaskGroup(ctx.pathParam("taskGroupId"))));
    }

    private void cancelTaskGroup(Context ctx) {
        QueueService.GroupCancellation result = queue.cancelTaskGroup(ctx.pathParam("taskGroupId"));
        countResolved(metrics, TaskState.EXCEPTION.wire(), ReasonResolved.CANCELED.wire(), result.canceledTaskIds().size());
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskGroupId", result.taskGroupId());
        out.put("taskGroupSize", result.taskGroupSize());
        out.put("cancelledCount", result.canceledTaskIds().size());
        ArrayNode ids = out.putArray("taskIds");
        result.canceledTaskIds().forEach(ids::add);
        json(ctx, out);
    }

    /** Taskcluster's task-group-response: {@code sealed} only once the group is sealed. */
    private static ObjectNode taskGroupResponse(TaskGroupRecord g) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskGroupId", g.taskGroupId());
        out.put("schedulerId", g.schedulerId());
        out.put("expires", Json.format(g.expires()));
        if (g.isSealed()) out.put("sealed", Json.format(g.sealed()));
        return out;
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
    static void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.writeBytes(body));
    }

}
