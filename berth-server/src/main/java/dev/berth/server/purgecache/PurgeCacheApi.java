package dev.berth.server.purgecache;

import static dev.berth.core.auth.ScopeTemplate.scope;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.purgecache.PurgeCacheService;
import dev.berth.core.purgecache.PurgeRequest;
import dev.berth.core.store.Page;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.PathParams;
import dev.berth.server.http.RouteTable;
import dev.berth.server.http.ServiceMetaRoutes;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Taskcluster's purge-cache v1 API: a person asks that a cache be purged on every worker of a pool
 * ({@code purgeCache}); workers poll {@code purgeRequests} and delete their instances made before each
 * request's {@code before}; {@code allPurgeRequests} lists what is open, for administrators.
 */
public final class PurgeCacheApi {

    public static final String PREFIX = "/api/purge-cache/v1";
    private static final String REQUEST_SCHEMA = "purge-cache/v1/purge-cache-request.json";
    /** Taskcluster's workerPoolId pattern for this service: two identifiers around one slash. */
    private static final Pattern WORKER_POOL_ID = Pattern.compile("[A-Za-z0-9_-]{1,38}/[A-Za-z0-9_-]{1,38}");
    /** A continuation token's key: the last pool and cache name of the previous page. */
    private static final Pattern TOKEN_KEY = Pattern.compile("[A-Za-z0-9_-]{1,38}/[A-Za-z0-9_-]{1,38}\\x00[^\\x00]{1,256}");

    private final PurgeCacheService purges;
    private final Bodies bodies;

    public PurgeCacheApi(PurgeCacheService purges, Bodies bodies) {
        this.purges = purges;
        this.bodies = bodies;
    }

    /** Every purge-cache route once: method, path, Taskcluster name, the scopes it needs, handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, () -> purges.requests("berth/heartbeat", null));
        // declared before /purge-cache/<workerPoolId>, which would match "list" too (and refuse it as a pool id)
        t.get("/purge-cache/list", "allPurgeRequests", scope("purge-cache:all-purge-requests"), this::allPurgeRequests);
        t.post("/purge-cache/<workerPoolId>", "purgeCache", scope("purge-cache:<workerPoolId>:<cacheName>"),
                this::purgeCacheParams, this::purgeCache);
        t.get("/purge-cache/<workerPoolId>", "purgeRequests", scope("purge-cache:purge-requests::<workerPoolId>"),
                ctx -> Map.of("workerPoolId", workerPoolId(ctx)), this::purgeRequests);
        return t;
    }

    private static String workerPoolId(Context ctx) {
        String id = ctx.pathParam("workerPoolId");
        if (!WORKER_POOL_ID.matcher(id).matches()) {
            throw BerthException.input("workerPoolId must look like '<provisionerId>/<workerType>' (1 to 38 of A-Z a-z 0-9 _ - "
                    + "on each side of one slash); got " + PathParams.quote(id));
        }
        return id;
    }

    private Map<String, Object> purgeCacheParams(Context ctx) {
        String pool = workerPoolId(ctx);
        return Map.of("workerPoolId", pool, "cacheName", bodies.json(ctx, REQUEST_SCHEMA).get("cacheName").asText());
    }

    private void purgeCache(Context ctx) {
        purges.purge(workerPoolId(ctx), bodies.json(ctx, REQUEST_SCHEMA).get("cacheName").asText());
        ctx.status(204); // as Taskcluster: no body
    }

    private void purgeRequests(Context ctx) {
        Instant since = null;
        String text = ctx.queryParam("since");
        if (text != null && !text.isEmpty()) {
            try {
                since = OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw BerthException.input("since must be an RFC 3339 date-time such as 2026-01-01T00:00:00.000Z; got "
                        + PathParams.quote(text));
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("requests", list(purges.requests(workerPoolId(ctx), since)));
        ctx.json(out);
    }

    private void allPurgeRequests(Context ctx) {
        Page<PurgeRequest> page = purges.all(Bodies.continuationToken(ctx, TOKEN_KEY), Bodies.limit(ctx, 1000));
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        out.set("requests", list(page.items()));
        ctx.json(out);
    }

    private static ArrayNode list(List<PurgeRequest> requests) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (PurgeRequest r : requests) {
            arr.addObject().put("provisionerId", r.provisionerId()).put("workerType", r.workerType())
                    .put("cacheName", r.cacheName()).put("before", Json.format(r.before()));
        }
        return arr;
    }
}
