package dev.berth.server.index;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.scope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.index.IndexNamespace;
import dev.berth.core.index.IndexPath;
import dev.berth.core.index.IndexService;
import dev.berth.core.index.IndexedTask;
import dev.berth.core.json.Json;
import dev.berth.core.store.Page;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.RouteTable;
import dev.berth.server.http.ServiceMetaRoutes;
import dev.berth.server.queue.ArtifactRedirects;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Taskcluster's index service under {@code /api/index/v1}: tasks found again by dot-separated paths. */
public final class IndexApi {

    public static final String PREFIX = "/api/index/v1";
    /** Continuation tokens of the index listings are a name within a namespace. */
    private static final Pattern NAME_KEY = Pattern.compile("[a-zA-Z0-9_!~*'()%-]{1,255}");
    private static final Pattern POSITION_KEY = Pattern.compile("at:[0-9]{1,9}");

    private final IndexService index;
    private final ArtifactRedirects artifacts;
    private final Bodies bodies;

    public IndexApi(IndexService index, ArtifactRedirects artifacts, Bodies bodies) {
        this.index = index;
        this.artifacts = artifacts;
        this.bodies = bodies;
    }

    /** Every index route once: method, path, Taskcluster name, the scopes it needs, handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, () -> index.namespacesIn(IndexPath.ROOT, null, 1));
        t.get("/task/{indexPath}", "findTask", scope("index:find-task:<indexPath>"), this::findTask);
        t.post("/tasks/indexes", "findTasksAtIndex", allOf(forEach("indexPath", "indexPaths", "index:find-task:<indexPath>")),
                this::indexPathsParam, this::findTasksAtIndex);
        // the root namespace is the empty path: /namespaces/ and /tasks/ (Taskcluster's client sends the slash)
        t.get("/namespaces/", "listNamespaces", scope("index:list-namespaces:<namespace>"), IndexApi::rootNamespace, this::listNamespaces);
        t.post("/namespaces/", "listNamespacesPost", scope("index:list-namespaces:<namespace>"), IndexApi::rootNamespace, this::listNamespaces);
        t.get("/namespaces/{namespace}", "listNamespaces", scope("index:list-namespaces:<namespace>"), this::listNamespaces);
        // the POST forms older clients send (Taskcluster keeps them, unpublished)
        t.post("/namespaces/{namespace}", "listNamespacesPost", scope("index:list-namespaces:<namespace>"), this::listNamespaces);
        t.get("/tasks/", "listTasks", scope("index:list-tasks:<namespace>"), IndexApi::rootNamespace, this::listTasks);
        t.post("/tasks/", "listTasksPost", scope("index:list-tasks:<namespace>"), IndexApi::rootNamespace, this::listTasks);
        t.get("/tasks/{namespace}", "listTasks", scope("index:list-tasks:<namespace>"), this::listTasks);
        t.post("/tasks/{namespace}", "listTasksPost", scope("index:list-tasks:<namespace>"), this::listTasks);
        t.put("/task/{namespace}", "insertTask", scope("index:insert-task:<namespace>"), this::insertTask);
        t.delete("/task/{namespace}", "deleteTask", scope("index:delete-task:<namespace>"), this::deleteTask);
        t.get("/task/{indexPath}/artifacts/<name>", "findArtifactFromTask", scope("queue:get-artifact:<name>"),
                this::findArtifactFromTask);
        return t;
    }

    private static Map<String, ?> rootNamespace(Context ctx) {
        return Map.of("namespace", "");
    }

    private static IndexPath namespace(Context ctx) {
        return IndexPath.parse(ctx.pathParamMap().getOrDefault("namespace", ""), "namespace");
    }

    private static IndexPath indexPath(Context ctx) {
        return IndexPath.parse(ctx.pathParam("indexPath"), "indexPath");
    }

    private void findTask(Context ctx) {
        ctx.json(entryJson(index.find(indexPath(ctx))));
    }

    private List<String> requestedIndexes(Context ctx) {
        JsonNode body = bodies.json(ctx, "index/v1/list-tasks-at-index.json");
        List<String> out = new ArrayList<>();
        if (body.isObject()) body.path("indexes").forEach(n -> out.add(n.asText()));
        return out;
    }

    private Map<String, ?> indexPathsParam(Context ctx) {
        return Map.of("indexPaths", requestedIndexes(ctx));
    }

    private void findTasksAtIndex(Context ctx) {
        List<IndexPath> paths = new ArrayList<>();
        for (String p : requestedIndexes(ctx)) paths.add(IndexPath.parse(p, "indexes[" + paths.size() + "]"));
        Page<IndexedTask> page = index.findAll(paths, Bodies.continuationToken(ctx, POSITION_KEY),
                Bodies.limit(ctx, IndexService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode tasks = out.putArray("tasks");
        page.items().forEach(t -> tasks.add(entryJson(t)));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void listNamespaces(Context ctx) {
        Page<IndexNamespace> page = index.namespacesIn(namespace(ctx), Bodies.continuationToken(ctx, NAME_KEY),
                Bodies.limit(ctx, IndexService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("namespaces");
        for (IndexNamespace n : page.items()) {
            list.addObject().put("namespace", n.path().full()).put("name", n.path().name()).put("expires", Json.format(n.expires()));
        }
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void listTasks(Context ctx) {
        Page<IndexedTask> page = index.tasksIn(namespace(ctx), Bodies.continuationToken(ctx, NAME_KEY),
                Bodies.limit(ctx, IndexService.MAX_PAGE));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("tasks");
        page.items().forEach(t -> list.add(entryJson(t)));
        if (page.continuationToken() != null) out.put("continuationToken", page.continuationToken());
        ctx.json(out);
    }

    private void insertTask(Context ctx) {
        IndexPath path = namespace(ctx);
        JsonNode body = bodies.json(ctx, "index/v1/insert-task-request.json");
        Instant expires;
        try {
            expires = OffsetDateTime.parse(body.get("expires").asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw BerthException.input("expires must be an ISO-8601 date-time; got '" + body.get("expires").asText() + "'");
        }
        IndexedTask stored = index.insert(path, body.get("taskId").asText(), body.get("rank").asLong(),
                (ObjectNode) body.get("data"), expires);
        ctx.json(entryJson(stored));
    }

    private void deleteTask(Context ctx) {
        index.delete(namespace(ctx));
        ctx.json(Json.MAPPER.createObjectNode());
    }

    private void findArtifactFromTask(Context ctx) {
        IndexedTask t = index.find(indexPath(ctx));
        artifacts.redirectToLatest(ctx, t.taskId(), ctx.pathParam("name"));
    }

    private static ObjectNode entryJson(IndexedTask t) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("namespace", t.path().full());
        out.put("taskId", t.taskId());
        out.put("rank", t.rank());
        out.set("data", t.data());
        out.put("expires", Json.format(t.expires()));
        return out;
    }
}
