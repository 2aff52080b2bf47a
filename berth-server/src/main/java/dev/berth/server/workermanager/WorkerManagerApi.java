package dev.berth.server.workermanager;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.scope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.pools.ErrorStats;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.PoolDefinition;
import dev.berth.core.pools.PoolWorker;
import dev.berth.core.pools.WorkerPool;
import dev.berth.core.pools.WorkerPoolError;
import dev.berth.core.pools.WorkerPoolService;
import dev.berth.core.pools.WorkerState;
import dev.berth.core.store.Page;
import dev.berth.core.workers.WorkerRecord;
import dev.berth.core.workers.WorkerService;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.PathParams;
import dev.berth.server.http.RouteTable;
import dev.berth.server.http.ServiceMetaRoutes;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Taskcluster's worker-manager v1 under {@code /api/worker-manager/v1}, with Berth's one provider, {@code docker}:
 * pools (their ids are task queue ids), their workers as the provisioner records them, and the errors reported on
 * them. Cloud registration ({@code registerWorker}, {@code reregisterWorker}) is answered with a 400 that says why:
 * a docker worker gets its credentials from the provisioner, in its environment, and has no identity to prove.
 */
public final class WorkerManagerApi {

    public static final String PREFIX = "/api/worker-manager/v1";
    private static final String SCHEMAS = "worker-manager/v1/";
    /** Continuation token keys: a pool id; a worker's group/id; an error's reported millis/errorId. */
    private static final Pattern POOL_KEY = Pattern.compile("[a-zA-Z0-9_-]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?");
    private static final Pattern WORKER_KEY = Pattern.compile("[a-zA-Z0-9_-]{1,38}/[a-zA-Z0-9_-]{1,38}");
    private static final Pattern ERROR_KEY = Pattern.compile("[0-9]{1,15}/[A-Za-z0-9_-]{1,64}");
    private static final String NO_REGISTRATION = "Berth's docker workers are not registered with an identity proof: the "
            + "provisioner that starts a worker's container gives it temporary credentials for its pool in its environment "
            + "and renews them";

    private final WorkerPoolService pools;
    private final WorkerService queueWorkers;
    private final Bodies bodies;

    public WorkerManagerApi(WorkerPoolService pools, WorkerService queueWorkers, Bodies bodies) {
        this.pools = pools;
        this.queueWorkers = queueWorkers;
        this.bodies = bodies;
    }

    /** Every worker-manager route once: method, path, Taskcluster name, the scopes it needs, handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, () -> pools.pools(null, 1));
        t.get("/providers", "listProviders", scope("worker-manager:list-providers"), this::listProviders);

        var manage = allOf(scope("worker-manager:manage-worker-pool:<workerPoolId>"), scope("worker-manager:provider:<providerId>"));
        t.put("/worker-pool/{workerPoolId}", "createWorkerPool", manage, ctx -> providerParam(ctx, "create"), this::createWorkerPool);
        t.post("/worker-pool/{workerPoolId}", "updateWorkerPool", manage, ctx -> providerParam(ctx, "update"), this::updateWorkerPool);
        t.delete("/worker-pool/{workerPoolId}", "deleteWorkerPool", scope("worker-manager:manage-worker-pool:<workerPoolId>"),
                WorkerManagerApi::poolIdChecked, this::deleteWorkerPool);
        var getPool = scope("worker-manager:get-worker-pool:<workerPoolId>");
        t.get("/worker-pool/{workerPoolId}/launch-configs", "listWorkerPoolLaunchConfigs", getPool, WorkerManagerApi::poolIdChecked,
                this::listWorkerPoolLaunchConfigs);
        t.get("/worker-pool/{workerPoolId}/stats", "workerPoolStats", getPool, WorkerManagerApi::poolIdChecked, this::workerPoolStats);
        t.get("/worker-pool/{workerPoolId}", "workerPool", getPool, WorkerManagerApi::poolIdChecked, this::workerPool);
        t.get("/worker-pools", "listWorkerPools", scope("worker-manager:list-worker-pools"), this::listWorkerPools);
        t.get("/worker-pools/stats", "listWorkerPoolsStats", scope("worker-manager:list-worker-pools"), this::listWorkerPoolsStats);

        t.post("/worker-pool-errors/{workerPoolId}", "reportWorkerError",
                allOf(scope("assume:worker-pool:<workerPoolId>"), scope("assume:worker-id:<workerGroup>/<workerId>")),
                this::reportedWorker, this::reportWorkerError);
        // declared before /worker-pool-errors/{workerPoolId}, which would take "stats" for a pool id
        var listErrors = scope("worker-manager:list-worker-pool-errors:<workerPoolId>");
        t.get("/worker-pool-errors/stats", "workerPoolErrorStats", listErrors, WorkerManagerApi::statsPoolParam, this::workerPoolErrorStats);
        t.get("/worker-pool-errors/{workerPoolId}", "listWorkerPoolErrors", listErrors, WorkerManagerApi::poolIdChecked,
                this::listWorkerPoolErrors);

        t.get("/workers/{workerPoolId}/{workerGroup}", "listWorkersForWorkerGroup",
                scope("worker-manager:list-workers:<workerPoolId>/<workerGroup>"), WorkerManagerApi::poolIdChecked,
                this::listWorkersForWorkerGroup);
        String one = "/workers/{workerPoolId}/{workerGroup}/{workerId}";
        t.get(one, "worker", scope("worker-manager:get-worker:<workerPoolId>/<workerGroup>/<workerId>"), WorkerManagerApi::poolIdChecked,
                this::worker);
        t.put(one, "createWorker", scope("worker-manager:create-worker:<workerPoolId>/<workerGroup>/<workerId>"),
                WorkerManagerApi::poolIdChecked, this::createWorker);
        t.post(one, "updateWorker", scope("worker-manager:update-worker:<workerPoolId>/<workerGroup>/<workerId>"),
                WorkerManagerApi::poolIdChecked, this::updateWorker);
        t.delete(one, "removeWorker", scope("worker-manager:remove-worker:<workerPoolId>/<workerGroup>/<workerId>"),
                WorkerManagerApi::poolIdChecked, this::removeWorker);
        t.get("/workers/{workerPoolId}", "listWorkersForWorkerPool", scope("worker-manager:list-workers:<workerPoolId>"),
                WorkerManagerApi::poolIdChecked, this::listWorkersForWorkerPool);

        t.post("/worker/register", "registerWorker", null, this::registerWorker);
        t.post("/worker/reregister", "reregisterWorker",
                scope("worker-manager:reregister-worker:<workerPoolId>/<workerGroup>/<workerId>"), this::reregisteredWorker,
                this::reregisterWorker);

        String workers = "/provisioners/{provisionerId}/worker-types/{workerType}/workers";
        t.get(workers, "listWorkers", scope("worker-manager:list-workers:<provisionerId>/<workerType>"), this::listWorkers);
        t.get(workers + "/{workerGroup}/{workerId}", "getWorker",
                scope("worker-manager:get-worker:<provisionerId>/<workerType>/<workerGroup>/<workerId>"), this::getWorker);
        return t;
    }

    // ---- scope parameters (each also checks its input, so a bad id is a 400 before any scope is asked for)

    private static Map<String, Object> poolIdChecked(Context ctx) {
        WorkerPoolService.checkPoolId(ctx.pathParam("workerPoolId"));
        return Map.of();
    }

    private Map<String, Object> providerParam(Context ctx, String how) {
        poolIdChecked(ctx);
        JsonNode body = bodies.json(ctx, SCHEMAS + how + "-worker-pool-request.json");
        return Map.of("providerId", body.get("providerId").asText());
    }

    private Map<String, Object> reportedWorker(Context ctx) {
        poolIdChecked(ctx);
        JsonNode body = bodies.json(ctx, SCHEMAS + "report-worker-error-request.json");
        return Map.of("workerGroup", body.get("workerGroup").asText(), "workerId", body.get("workerId").asText());
    }

    /** Without a workerPoolId, the stats of every pool: scope {@code ...:list-worker-pool-errors:*}, as Taskcluster. */
    private static Map<String, Object> statsPoolParam(Context ctx) {
        String pool = ctx.queryParam("workerPoolId");
        if (pool == null || pool.isEmpty()) return Map.of("workerPoolId", "*");
        WorkerPoolService.checkPoolId(pool);
        return Map.of("workerPoolId", pool);
    }

    private Map<String, Object> reregisteredWorker(Context ctx) {
        JsonNode body = bodies.json(ctx, SCHEMAS + "reregister-worker-request.json");
        WorkerPoolService.checkPoolId(body.get("workerPoolId").asText());
        return Map.of("workerPoolId", body.get("workerPoolId").asText(), "workerGroup", body.get("workerGroup").asText(),
                "workerId", body.get("workerId").asText());
    }

    // ---- providers and pools

    private void listProviders(Context ctx) {
        Bodies.limit(ctx, 1000);
        if (ctx.queryParam("continuationToken") != null && !ctx.queryParam("continuationToken").isEmpty()) {
            throw BerthException.input("continuationToken " + PathParams.quote(ctx.queryParam("continuationToken"))
                    + " is not valid: the provider list has one page");
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("providers");
        for (String p : pools.providers()) list.addObject().put("providerId", p).put("providerType", p);
        ctx.json(out);
    }

    private static PoolDefinition definition(JsonNode body) {
        return new PoolDefinition(body.get("providerId").asText(), body.get("description").asText(), body.get("config"),
                body.get("owner").asText(), body.get("emailOnError").asBoolean());
    }

    private void createWorkerPool(Context ctx) {
        String id = ctx.pathParam("workerPoolId");
        WorkerPool p = pools.create(id, definition(bodies.json(ctx, SCHEMAS + "create-worker-pool-request.json")));
        ctx.json(poolJson(p, PoolCounts.NONE));
    }

    private void updateWorkerPool(Context ctx) {
        String id = ctx.pathParam("workerPoolId");
        JsonNode body = bodies.json(ctx, SCHEMAS + "update-worker-pool-request.json");
        if (body.has("workerPoolId") && !body.get("workerPoolId").asText().equals(id)) {
            throw BerthException.input("workerPoolId in the body (" + PathParams.quote(body.get("workerPoolId").asText())
                    + ") is not the pool of the path (" + id + ")");
        }
        WorkerPool p = pools.update(id, definition(body));
        ctx.json(poolJson(p, pools.countsOf(p)));
    }

    private void deleteWorkerPool(Context ctx) {
        WorkerPool p = pools.delete(ctx.pathParam("workerPoolId"));
        ctx.json(poolJson(p, pools.countsOf(p)));
    }

    private void workerPool(Context ctx) {
        WorkerPool p = pools.pool(ctx.pathParam("workerPoolId"));
        ctx.json(poolJson(p, pools.countsOf(p)));
    }

    private void listWorkerPoolLaunchConfigs(Context ctx) {
        pools.pool(ctx.pathParam("workerPoolId"));
        Bodies.limit(ctx, 1000);
        // a docker pool has one configuration, its config: there are no launch configurations to list
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.putArray("workerPoolLaunchConfigs");
        ctx.json(out);
    }

    private void workerPoolStats(Context ctx) {
        String id = ctx.pathParam("workerPoolId");
        PoolCounts c = pools.counts(id);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode s = out.putArray("launchConfigStats").addObject();
        s.put("workerPoolId", id).put("launchConfigId", "docker");
        counts(s, c);
        ctx.json(out);
    }

    private void listWorkerPools(Context ctx) {
        Page<WorkerPool> page = pools.pools(Bodies.continuationToken(ctx, POOL_KEY), Bodies.limit(ctx, WorkerPoolService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("workerPools");
        for (WorkerPool p : page.items()) list.add(poolJson(p, pools.countsOf(p)));
        ctx.json(withToken(out, page));
    }

    private void listWorkerPoolsStats(Context ctx) {
        Page<WorkerPool> page = pools.pools(Bodies.continuationToken(ctx, POOL_KEY), Bodies.limit(ctx, WorkerPoolService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("workerPoolsStats");
        for (WorkerPool p : page.items()) counts(list.addObject().put("workerPoolId", p.workerPoolId()), pools.countsOf(p));
        ctx.json(withToken(out, page));
    }

    // ---- errors

    private void reportWorkerError(Context ctx) {
        JsonNode b = bodies.json(ctx, SCHEMAS + "report-worker-error-request.json");
        WorkerPoolError e = pools.reportWorkerError(ctx.pathParam("workerPoolId"), b.get("workerGroup").asText(),
                b.get("workerId").asText(), b.get("kind").asText(), b.get("title").asText(), b.get("description").asText(), b.get("extra"));
        ctx.json(errorJson(e));
    }

    private void workerPoolErrorStats(Context ctx) {
        String pool = ctx.queryParam("workerPoolId");
        ErrorStats s = pools.errorStats(pool == null || pool.isEmpty() ? null : pool);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("workerPoolId", s.workerPoolId());
        ObjectNode totals = out.putObject("totals");
        totals.put("total", s.total());
        totals.set("daily", Json.MAPPER.valueToTree(s.daily()));
        totals.set("hourly", Json.MAPPER.valueToTree(s.hourly()));
        totals.set("title", Json.MAPPER.valueToTree(s.title()));
        totals.set("code", Json.MAPPER.valueToTree(s.code()));
        totals.putObject("launchConfig");
        totals.set("workerPool", Json.MAPPER.valueToTree(s.workerPool()));
        ctx.json(out);
    }

    private void listWorkerPoolErrors(Context ctx) {
        String errorId = ctx.queryParam("errorId");
        if (errorId != null && !errorId.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw BerthException.input("errorId must be 1 to 64 of a-z A-Z 0-9 _ -; got " + PathParams.quote(errorId));
        }
        String pool = ctx.pathParam("workerPoolId");
        Page<WorkerPoolError> page;
        if (ctx.queryParam("launchConfigId") != null) {
            page = new Page<>(java.util.List.of(), null); // docker pools have no launch configurations
        } else {
            page = pools.errors(pool, errorId, Bodies.continuationToken(ctx, ERROR_KEY), Bodies.limit(ctx, WorkerPoolService.MAX_PAGE));
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("workerPoolErrors");
        page.items().forEach(e -> list.add(errorJson(e)));
        ctx.json(withToken(out, page));
    }

    // ---- workers

    private void listWorkersForWorkerGroup(Context ctx) {
        listWorkers(ctx, ctx.pathParam("workerPoolId"), ctx.pathParam("workerGroup"), null);
    }

    private void listWorkersForWorkerPool(Context ctx) {
        String state = ctx.queryParam("state");
        if (ctx.queryParam("launchConfigId") != null) {
            ctx.json(Json.MAPPER.createObjectNode().set("workers", Json.MAPPER.createArrayNode()));
            return;
        }
        listWorkers(ctx, ctx.pathParam("workerPoolId"), null, state == null ? null : WorkerState.fromWire(state));
    }

    private void listWorkers(Context ctx, String pool, String group, WorkerState state) {
        Page<PoolWorker> page = pools.workers(pool, group, state, Bodies.continuationToken(ctx, WORKER_KEY),
                Bodies.limit(ctx, WorkerPoolService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("workers");
        page.items().forEach(w -> list.add(workerJson(w)));
        ctx.json(withToken(out, page));
    }

    private void worker(Context ctx) {
        ctx.json(workerJson(pools.worker(ctx.pathParam("workerPoolId"), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"))));
    }

    private void createWorker(Context ctx) {
        JsonNode b = bodies.json(ctx, SCHEMAS + "create-worker-request.json");
        PoolWorker w = pools.createWorker(ctx.pathParam("workerPoolId"), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"),
                time(b, "expires"), b.has("capacity") ? b.get("capacity").asInt() : null);
        ctx.json(workerJson(w));
    }

    private void updateWorker(Context ctx) {
        JsonNode b = bodies.json(ctx, SCHEMAS + "create-worker-request.json");
        PoolWorker w = pools.updateWorker(ctx.pathParam("workerPoolId"), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"),
                time(b, "expires"), b.has("capacity") ? b.get("capacity").asInt() : null);
        ctx.json(workerJson(w));
    }

    private void removeWorker(Context ctx) {
        pools.removeWorker(ctx.pathParam("workerPoolId"), ctx.pathParam("workerGroup"), ctx.pathParam("workerId"));
        ctx.json(Json.MAPPER.createObjectNode());
    }

    private void registerWorker(Context ctx) {
        JsonNode b = bodies.json(ctx, SCHEMAS + "register-worker-request.json");
        String pool = b.get("workerPoolId").asText();
        WorkerPoolService.checkPoolId(pool);
        pools.pool(pool); // an unknown pool is a 404, as Taskcluster answers
        throw BerthException.input(NO_REGISTRATION + " (registerWorker for " + pool + ", provider "
                + PathParams.quote(b.get("providerId").asText()) + ")");
    }

    private void reregisterWorker(Context ctx) {
        JsonNode b = bodies.json(ctx, SCHEMAS + "reregister-worker-request.json");
        throw BerthException.input(NO_REGISTRATION + " (reregisterWorker for " + b.get("workerPoolId").asText() + ")");
    }

    /** The queue's view of a pool's workers: worker-manager's rows with what claims taught the queue. */
    private void listWorkers(Context ctx) {
        String pool = PathParams.taskQueueId(ctx.pathParam("provisionerId") + "/" + ctx.pathParam("workerType"));
        String workerState = ctx.queryParam("workerState");
        String quarantined = ctx.queryParam("quarantined");
        if (quarantined != null && !quarantined.equals("true") && !quarantined.equals("false")) {
            throw BerthException.input("quarantined must be true or false; got " + PathParams.quote(quarantined));
        }
        WorkerState state = workerState == null ? null : WorkerState.fromWire(workerState);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("workers");
        Page<PoolWorker> page = pools.workers(pool, null, state, Bodies.continuationToken(ctx, WORKER_KEY),
                Bodies.limit(ctx, WorkerPoolService.MAX_PAGE));
        Instant now = queueWorkers.now();
        for (PoolWorker w : page.items()) {
            Optional<WorkerRecord> q = queueWorker(pool, w.workerGroup(), w.workerId());
            boolean isQuarantined = q.map(r -> r.quarantinedAt(now)).orElse(false);
            if (quarantined != null && isQuarantined != Boolean.parseBoolean(quarantined)) continue;
            ObjectNode o = list.addObject();
            o.put("workerGroup", w.workerGroup()).put("workerId", w.workerId()).put("workerPoolId", pool);
            o.put("firstClaim", Json.format(q.map(WorkerRecord::firstClaim).orElse(w.created())));
            q.map(WorkerRecord::lastDateActive).ifPresent(t -> o.put("lastDateActive", Json.format(t)));
            q.map(WorkerRecord::quarantineUntil).ifPresent(t -> o.put("quarantineUntil", Json.format(t)));
            q.filter(r -> !r.recentTasks().isEmpty())
                    .ifPresent(r -> o.set("latestTask", Json.MAPPER.valueToTree(r.recentTasks().get(r.recentTasks().size() - 1))));
            o.put("state", w.state().wire()).put("capacity", w.capacity()).put("providerId", w.providerId());
        }
        ctx.json(withToken(out, page));
    }

    /** One worker as the queue and worker-manager know it; a worker only the queue knows (not started by a pool) is standalone. */
    private void getWorker(Context ctx) {
        String provisionerId = ctx.pathParam("provisionerId");
        String workerType = ctx.pathParam("workerType");
        String pool = PathParams.taskQueueId(provisionerId + "/" + workerType);
        String group = ctx.pathParam("workerGroup");
        String id = ctx.pathParam("workerId");
        Optional<PoolWorker> w = pools.findWorker(pool, group, id);
        Optional<WorkerRecord> q = queueWorker(pool, group, id);
        if (w.isEmpty() && q.isEmpty()) {
            throw BerthException.notFound("worker " + group + "/" + id + " of " + pool + " not found");
        }
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("provisionerId", provisionerId).put("workerType", workerType).put("workerPoolId", pool);
        o.put("workerGroup", group).put("workerId", id);
        o.set("recentTasks", Json.MAPPER.valueToTree(q.map(WorkerRecord::recentTasks).orElse(java.util.List.of())));
        o.put("expires", Json.format(w.map(PoolWorker::expires).orElseGet(() -> q.get().expires())));
        q.map(WorkerRecord::quarantineUntil).ifPresent(t -> o.put("quarantineUntil", Json.format(t)));
        q.filter(r -> !r.quarantineDetails().isEmpty()).ifPresent(r -> o.set("quarantineDetails", Json.MAPPER.valueToTree(r.quarantineDetails())));
        o.put("firstClaim", Json.format(q.map(WorkerRecord::firstClaim).orElseGet(() -> w.get().created())));
        q.map(WorkerRecord::lastDateActive).ifPresent(t -> o.put("lastDateActive", Json.format(t)));
        o.put("state", w.map(x -> x.state().wire()).orElse("standalone"));
        o.put("capacity", w.map(PoolWorker::capacity).orElse(0));
        o.put("providerId", w.map(PoolWorker::providerId).orElse("none"));
        ctx.json(o);
    }

    private Optional<WorkerRecord> queueWorker(String pool, String group, String id) {
        try {
            return Optional.of(queueWorkers.worker(pool, group, id));
        } catch (BerthException e) {
            if (e.kind() == BerthException.Kind.NOT_FOUND) return Optional.empty();
            throw e;
        }
    }

    // ---- JSON

    private static ObjectNode poolJson(WorkerPool p, PoolCounts c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("workerPoolId", p.workerPoolId()).put("providerId", p.providerId()).put("description", p.description());
        o.put("created", Json.format(p.created())).put("lastModified", Json.format(p.lastModified()));
        o.set("config", p.config());
        o.put("owner", p.owner()).put("emailOnError", p.emailOnError());
        counts(o, c);
        return o;
    }

    private static void counts(ObjectNode o, PoolCounts c) {
        o.put("currentCapacity", c.currentCapacity());
        o.put("requestedCount", c.requestedCount()).put("runningCount", c.runningCount());
        o.put("stoppingCount", c.stoppingCount()).put("stoppedCount", c.stoppedCount());
        o.put("requestedCapacity", c.requestedCapacity()).put("runningCapacity", c.runningCapacity());
        o.put("stoppingCapacity", c.stoppingCapacity()).put("stoppedCapacity", c.stoppedCapacity());
    }

    private static ObjectNode workerJson(PoolWorker w) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("workerPoolId", w.workerPoolId()).put("workerGroup", w.workerGroup()).put("workerId", w.workerId());
        o.put("providerId", w.providerId());
        o.put("created", Json.format(w.created())).put("expires", Json.format(w.expires()));
        o.put("state", w.state().wire()).put("capacity", w.capacity());
        o.put("lastModified", Json.format(w.lastModified())).put("lastChecked", Json.format(w.lastChecked()));
        return o;
    }

    private static ObjectNode errorJson(WorkerPoolError e) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("errorId", e.errorId()).put("workerPoolId", e.workerPoolId()).put("reported", Json.format(e.reported()));
        o.put("kind", e.kind()).put("title", e.title()).put("description", e.description());
        o.set("extra", e.extra());
        return o;
    }

    private static ObjectNode withToken(ObjectNode out, Page<?> page) {
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        return out;
    }

    private static Instant time(JsonNode body, String field) {
        String s = body.get(field).asText();
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw BerthException.input(field + " must be an ISO-8601 date-time; got " + PathParams.quote(s));
        }
    }
}
