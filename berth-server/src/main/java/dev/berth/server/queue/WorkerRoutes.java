package dev.berth.server.queue;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.scope;
import static dev.berth.server.queue.QueueApi.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.queue.Claim;
import dev.berth.core.queue.QueueService;
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskState;
import dev.berth.core.workers.Action;
import dev.berth.core.workers.ProvisionerRecord;
import dev.berth.core.workers.TaskQueueRecord;
import dev.berth.core.workers.TaskRun;
import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerService;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.PathParams;
import dev.berth.server.http.RouteTable;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The queue's worker metadata routes (task queues, their pending and claimed tasks, provisioners, worker types,
 * workers, quarantine), added to the queue's one route table by {@link QueueApi#routes()}, and what claims tell
 * them: which workers were seen, what they claimed, and whether a worker is quarantined.
 */
final class WorkerRoutes {

    private static final Pattern TASK_QUEUE_KEY = Pattern.compile(PathParams.PROVISIONER_ID.pattern() + "/" + PathParams.WORKER_TYPE.pattern());
    private static final Pattern WORKER_KEY = Pattern.compile(PathParams.IDENTIFIER.pattern() + "/" + PathParams.IDENTIFIER.pattern());
    private static final Pattern PENDING_KEY = Pattern.compile("-?[0-9]{1,10}:[0-9]{1,19}");
    /** How often a quarantined worker's held claimWork looks whether its client went away. */
    private static final Duration HOLD_CHECK = Duration.ofSeconds(1);

    private final WorkerService workers;
    private final QueueService queue;
    private final Authenticator auth;
    private final Bodies bodies;

    WorkerRoutes(WorkerService workers, QueueService queue, Authenticator auth, Bodies bodies) {
        this.workers = workers;
        this.queue = queue;
        this.auth = auth;
        this.bodies = bodies;
    }

    void addTo(RouteTable t) {
        t.get("/task-queues", "listTaskQueues", scope("queue:list-task-queues"), this::listTaskQueues);
        t.get("/task-queues/{taskQueueId}", "getTaskQueue", scope("queue:get-task-queue:<taskQueueId>"),
                ctx -> json(ctx, taskQueue(workers.taskQueue(PathParams.taskQueueId(ctx.pathParam("taskQueueId"))))));
        t.get("/task-queues/{taskQueueId}/pending", "listPendingTasks", scope("queue:pending-list:<taskQueueId>"), this::listPendingTasks);
        t.get("/task-queues/{taskQueueId}/claimed", "listClaimedTasks", scope("queue:claimed-list:<taskQueueId>"), this::listClaimedTasks);
        t.get("/provisioners", "listProvisioners", scope("queue:list-provisioners"), this::listProvisioners);
        t.get("/provisioners/{provisionerId}", "getProvisioner", scope("queue:get-provisioner:<provisionerId>"),
                ctx -> json(ctx, provisioner(workers.provisioner(ctx.pathParam("provisionerId")))));
        t.put("/provisioners/{provisionerId}", "declareProvisioner",
                allOf(forEach("property", "properties", "queue:declare-provisioner:<provisionerId>#<property>")),
                ctx -> properties(ctx, "queue/v1/update-provisioner-request.json"), this::declareProvisioner);
        t.get("/provisioners/{provisionerId}/worker-types", "listWorkerTypes", scope("queue:list-worker-types:<provisionerId>"),
                this::listWorkerTypes);
        String workerType = "/provisioners/{provisionerId}/worker-types/{workerType}";
        t.get(workerType, "getWorkerType", scope("queue:get-worker-type:<provisionerId>/<workerType>"),
                ctx -> json(ctx, workerType(workers.taskQueue(taskQueueId(ctx)), true)));
        t.put(workerType, "declareWorkerType",
                allOf(forEach("property", "properties", "queue:declare-worker-type:<provisionerId>/<workerType>#<property>")),
                ctx -> properties(ctx, "queue/v1/update-workertype-request.json"), this::declareWorkerType);
        t.get(workerType + "/workers", "listWorkers", scope("queue:list-workers:<provisionerId>/<workerType>"), this::listWorkers);
        t.get(workerType + "/workers/{workerGroup}/{workerId}", "getWorker",
                scope("queue:get-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>"),
                ctx -> json(ctx, worker(workers.worker(taskQueueId(ctx), ctx.pathParam("workerGroup"), ctx.pathParam("workerId")))));
        t.put(workerType + "/workers/{workerGroup}/{workerId}", "quarantineWorker",
                allOf(scope("queue:quarantine-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>")), this::quarantineWorker);
        t.put(workerType + "/{workerGroup}/{workerId}", "declareWorker",
                allOf(forEach("property", "properties", "queue:declare-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>#<property>")),
                ctx -> properties(ctx, "queue/v1/update-worker-request.json"), this::declareWorker);
    }

    // ---- what claims tell (called by the queue's claim routes)

    /**
     * claimWork of a worker: records it as seen; when it is quarantined, holds the request as Taskcluster does (so
     * that the worker does not call again at once) for the long poll's wait or until the quarantine ends, whichever
     * comes first, answers an empty task list and returns true.
     */
    boolean answeredQuarantined(Context ctx, String taskQueueId, String workerGroup, String workerId, Duration wait)
            throws InterruptedException {
        Optional<Instant> until = workers.workerSeen(taskQueueId, workerGroup, workerId);
        if (until.isEmpty()) return false;
        Duration left = Duration.between(workers.now(), until.get());
        long giveUp = System.nanoTime() + Math.min(wait.toNanos(), left.toNanos());
        ClientConnection connection = ClientConnection.of(ctx);
        for (long rest; (rest = giveUp - System.nanoTime()) > 0 && connection.open(); ) {
            Thread.sleep(Duration.ofNanos(Math.min(rest, HOLD_CHECK.toNanos())));
        }
        json(ctx, Map.of("tasks", List.of()));
        return true;
    }

    /**
     * claimTask of a worker: records it as seen; when it is quarantined, answers {@code {}} and returns true: as
     * Taskcluster, its claimTask claims nothing.
     */
    boolean answeredQuarantined(Context ctx, String taskId, String workerGroup, String workerId) {
        String taskQueueId = queue.task(taskId).definition().taskQueueId();
        if (workers.workerSeen(taskQueueId, workerGroup, workerId).isEmpty()) return false;
        json(ctx, Map.of());
        return true;
    }

    /** A reclaim is a sign of life too. */
    void seen(Claim claim) {
        workers.workerSeen(claim.task().taskQueueId(), claim.workerGroup(), claim.workerId());
    }

    /** The runs a claim gave (all to one worker) become its recent tasks. */
    void claimed(List<Claim> claims) {
        if (claims.isEmpty()) return;
        Claim first = claims.getFirst();
        workers.tasksClaimed(first.task().taskQueueId(), first.workerGroup(), first.workerId(),
                claims.stream().map(c -> new TaskRun(c.taskId(), c.runId())).toList());
    }

    /** A task created on a queue makes the queue known (listTaskQueues), as a worker's claim does. */
    void taskQueueUsed(String taskQueueId) {
        workers.taskQueueUsed(taskQueueId);
    }

    // ---- task queues

    private void listTaskQueues(Context ctx) {
        Page<TaskQueueRecord> page = workers.taskQueues(null, Bodies.continuationToken(ctx, TASK_QUEUE_KEY), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("taskQueues");
        page.items().forEach(q -> items.add(taskQueue(q)));
        json(ctx, withToken(out, page));
    }

    private void listPendingTasks(Context ctx) {
        String taskQueueId = PathParams.taskQueueId(ctx.pathParam("taskQueueId"));
        Page<TaskRecord> page = queue.pendingTasks(taskQueueId, Bodies.continuationToken(ctx, PENDING_KEY), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("tasks");
        for (TaskRecord t : page.items()) {
            Run run = t.status().latestRun().orElse(null);
            if (run == null || run.state() != TaskState.PENDING) continue; // changed between the entry and its row
            ObjectNode item = items.addObject();
            item.put("taskId", t.taskId());
            item.put("runId", run.runId());
            item.set("task", TaskDefinitions.toJson(t.definition()));
            item.put("inserted", Json.format(run.scheduled()));
        }
        json(ctx, withToken(out, page));
    }

    private void listClaimedTasks(Context ctx) {
        String taskQueueId = PathParams.taskQueueId(ctx.pathParam("taskQueueId"));
        Page<TaskRecord> page = queue.claimedTasks(taskQueueId, Bodies.continuationToken(ctx, PathParams.SLUGID), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("tasks");
        for (TaskRecord t : page.items()) {
            Run run = t.status().latestRun().orElse(null);
            if (run == null || run.state() != TaskState.RUNNING) continue;
            ObjectNode item = items.addObject();
            item.put("taskId", t.taskId());
            item.put("runId", run.runId());
            item.put("workerGroup", run.workerGroup());
            item.put("workerId", run.workerId());
            item.put("claimed", Json.format(run.started()));
            item.set("task", TaskDefinitions.toJson(t.definition()));
        }
        json(ctx, withToken(out, page));
    }

    private static ObjectNode taskQueue(TaskQueueRecord q) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("taskQueueId", q.taskQueueId());
        o.put("stability", q.stability());
        o.put("description", q.description());
        o.put("expires", Json.format(q.expires()));
        o.put("lastDateActive", Json.format(q.lastDateActive()));
        return o;
    }

    // ---- provisioners

    private void listProvisioners(Context ctx) {
        Page<ProvisionerRecord> page = workers.provisioners(Bodies.continuationToken(ctx, PathParams.PROVISIONER_ID), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("provisioners");
        page.items().forEach(p -> items.add(provisioner(p)));
        json(ctx, withToken(out, page));
    }

    private void declareProvisioner(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/update-provisioner-request.json");
        List<Action> actions = null;
        if (body.has("actions")) {
            actions = new ArrayList<>();
            for (JsonNode a : body.get("actions")) {
                actions.add(new Action(a.get("name").asText(), a.get("title").asText(), a.get("context").asText(),
                        a.get("url").asText(), a.get("method").asText(), a.get("description").asText()));
            }
        }
        json(ctx, provisioner(workers.declareProvisioner(ctx.pathParam("provisionerId"), text(body, "description"),
                text(body, "stability"), actions, time(body, "expires"))));
    }

    private static ObjectNode provisioner(ProvisionerRecord p) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("provisionerId", p.provisionerId());
        o.put("stability", p.stability());
        o.put("description", p.description());
        o.put("expires", Json.format(p.expires()));
        o.put("lastDateActive", Json.format(p.lastDateActive()));
        o.set("actions", Json.MAPPER.valueToTree(p.actions()));
        return o;
    }

    // ---- worker types (a task queue seen by its two halves)

    private void listWorkerTypes(Context ctx) {
        Page<TaskQueueRecord> page = workers.taskQueues(ctx.pathParam("provisionerId"), Bodies.continuationToken(ctx, TASK_QUEUE_KEY),
                Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("workerTypes");
        page.items().forEach(q -> items.add(workerType(q, false)));
        json(ctx, withToken(out, page));
    }

    private void declareWorkerType(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/update-workertype-request.json");
        json(ctx, workerType(workers.declareTaskQueue(taskQueueId(ctx), text(body, "description"), text(body, "stability"),
                time(body, "expires")), true));
    }

    /** listWorkerTypes' items have no actions; getWorkerType and declareWorkerType answer an empty list, as Taskcluster. */
    private static ObjectNode workerType(TaskQueueRecord q, boolean withActions) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("provisionerId", q.provisionerId());
        o.put("workerType", q.workerType());
        o.setAll(taskQueue(q));
        if (withActions) o.putArray("actions");
        return o;
    }

    // ---- workers

    private void listWorkers(Context ctx) {
        String q = ctx.queryParam("quarantined");
        if (q != null && !q.equals("true") && !q.equals("false")) {
            throw BerthException.input("quarantined must be true or false; got " + PathParams.quote(q));
        }
        Page<WorkerRecord> page = workers.workers(taskQueueId(ctx), q == null ? null : Boolean.valueOf(q),
                Bodies.continuationToken(ctx, WORKER_KEY), Bodies.limit(ctx, 1000));
        Instant now = workers.now();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("workers");
        for (WorkerRecord w : page.items()) {
            ObjectNode o = items.addObject();
            o.put("workerGroup", w.workerGroup());
            o.put("workerId", w.workerId());
            o.put("firstClaim", Json.format(w.firstClaim()));
            if (w.lastDateActive() != null) o.put("lastDateActive", Json.format(w.lastDateActive()));
            if (!w.recentTasks().isEmpty()) o.set("latestTask", Json.MAPPER.valueToTree(w.recentTasks().getLast()));
            if (w.quarantinedAt(now)) o.put("quarantineUntil", Json.format(w.quarantineUntil()));
        }
        json(ctx, withToken(out, page));
    }

    private void quarantineWorker(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/quarantine-worker-request.json");
        String clientId = auth.authenticate(ctx).clientId();
        json(ctx, worker(workers.quarantine(taskQueueId(ctx), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"),
                time(body, "quarantineUntil"), clientId, text(body, "quarantineInfo"))));
    }

    private void declareWorker(Context ctx) {
        JsonNode body = bodies.json(ctx, "queue/v1/update-worker-request.json");
        json(ctx, worker(workers.declareWorker(taskQueueId(ctx), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"),
                time(body, "expires"))));
    }

    /** worker-response: quarantineUntil and quarantineDetails once it was ever quarantined; actions always empty. */
    private static ObjectNode worker(WorkerRecord w) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("provisionerId", w.taskQueueId().substring(0, w.taskQueueId().indexOf('/')));
        o.put("workerType", w.taskQueueId().substring(w.taskQueueId().indexOf('/') + 1));
        o.put("taskQueueId", w.taskQueueId());
        o.put("workerGroup", w.workerGroup());
        o.put("workerId", w.workerId());
        o.set("recentTasks", Json.MAPPER.valueToTree(w.recentTasks()));
        o.put("expires", Json.format(w.expires()));
        if (w.quarantineUntil() != null) o.put("quarantineUntil", Json.format(w.quarantineUntil()));
        if (!w.quarantineDetails().isEmpty()) o.set("quarantineDetails", Json.MAPPER.valueToTree(w.quarantineDetails()));
        o.put("firstClaim", Json.format(w.firstClaim()));
        if (w.lastDateActive() != null) o.put("lastDateActive", Json.format(w.lastDateActive()));
        o.putArray("actions");
        return o;
    }

    // ---- helpers

    /** The scope parameters of a declaration: the properties its body sets, each needing its own scope. */
    private Map<String, Object> properties(Context ctx, String schema) {
        JsonNode body = bodies.json(ctx, schema);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) names.add(it.next());
        return Map.of("properties", names);
    }

    private static String taskQueueId(Context ctx) {
        return ctx.pathParam("provisionerId") + "/" + ctx.pathParam("workerType");
    }

    private static ObjectNode withToken(ObjectNode out, Page<?> page) {
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        return out;
    }

    private static String text(JsonNode body, String field) {
        return body.hasNonNull(field) ? body.get(field).asText() : null;
    }

    private static Instant time(JsonNode body, String field) {
        if (!body.hasNonNull(field)) return null;
        String s = body.get(field).asText();
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw BerthException.input(field + " must be an ISO-8601 date-time; got " + PathParams.quote(s));
        }
    }
}
