package dev.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.auth.Authenticator;
import dev.berth.core.auth.RoleExpander;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.core.json.JsonSchemas;
import dev.berth.core.queue.RunScopes;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.auth.Caller;
import dev.berth.server.http.ApiErrors;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.JsonErrorHandler;
import dev.berth.server.http.RouteTable;
import dev.berth.server.queue.QueueApi;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.scope;

/**
 * The queue benchmark's server-side floor: the three requests of a create → claim → complete cycle answered over
 * the same HTTP stack as {@code berth server} (Javalin on Jetty 12, configured as BerthServer configures it:
 * virtual threads, the same error handlers) with no queue, no database behind them. Run in its own JVM by
 * {@link FloorBenchmark}; one level per process:
 *
 * <ul>
 *   <li>{@code bytes}: fixed answers of the real sizes (createTask's status, a claim with one task and its
 *       credentials, reportCompleted's status), the task id spliced in; bodies read as bytes, not parsed;
 *   <li>{@code hawk}: + every request's Hawk header verified with Berth's authenticator against a static client
 *       table (the root client), and the claim's temporary credentials issued per claim as the queue does;
 *   <li>{@code json}: + bodies parsed with Jackson into the same values QueueApi builds (task definition, status),
 *       the routes' scope checks through Berth's RouteTable, and the answers written from them with Jackson;
 *   <li>{@code schema}: + the bodies validated against the JSON schemas QueueApi names.
 * </ul>
 *
 * A claim waits (up to 20 s, as the queue's long poll) for a created task and answers at most one.
 */
public final class FloorServer {

    static final String READY = "Berth floor server is running";
    static final String ROOT = "static/berth/root";
    static final String PREFIX = "/api/queue/v1";
    private static final String PLACEHOLDER = "TASKIDxTASKIDxTASKIDxT"; // a 22-character slugid's place
    private static final byte[] NO_TASKS = "{\"tasks\":[]}".getBytes(StandardCharsets.UTF_8);

    enum Level { BYTES, HAWK, JSON, SCHEMA }

    private final Level level;
    private final Clock clock = Clock.systemUTC();
    private final Authenticator hawk;
    private final String rootToken;
    private final int port;
    private final Bodies bodies;
    private final LinkedBlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Map<String, TaskStatus> running = new ConcurrentHashMap<>();
    private final Template createAnswer;
    private final Template claimHead;
    private final Template reportAnswer;
    private final byte[] fixedCredentials;

    /** A created task: its id, and at the json levels its definition and status. */
    private record Pending(String taskId, TaskDefinition def, TaskStatus status) {}

    FloorServer(Level level, String rootToken, int port) {
        this.level = level;
        this.rootToken = rootToken;
        this.port = port;
        var root = new Authenticator.ClientCredentials(ROOT, rootToken, List.of("*"), null, false);
        this.hawk = new Authenticator(id -> ROOT.equals(id) ? Optional.of(root) : Optional.empty(), RoleExpander::empty, clock);
        this.bodies = new Bodies(new JsonSchemas());
        // the answers' real shapes and sizes, built once with a placeholder id
        Instant now = clock.instant();
        TaskDefinition def = TaskDefinitions.fromRequest(PLACEHOLDER,
                QueueBenchmark.taskBody("groupxgroupxgroupxgrou", now, 0));
        TaskStatus created = TaskLifecycle.created(PLACEHOLDER, def, true, now);
        Instant takenUntil = now.plusSeconds(1200);
        TaskStatus claimed = TaskLifecycle.claim(created, 0, "bench", "w0", takenUntil, now);
        TaskStatus completed = TaskLifecycle.resolve(claimed, 0, TaskState.COMPLETED, now);
        this.createAnswer = Template.of(Json.writeBytes(Map.of("status", created)));
        this.reportAnswer = Template.of(Json.writeBytes(Map.of("status", completed)));
        String withoutCredentials = new String(Json.writeBytes(Map.of("tasks", List.of(claimBody(claimed, def, takenUntil)))),
                StandardCharsets.UTF_8);
        // {"tasks":[{...,"task":{...}}]} -> {"tasks":[{...,"task":{...},"credentials":   +  credentials + }]}
        this.claimHead = Template.of((withoutCredentials.substring(0, withoutCredentials.length() - 3) + ",\"credentials\":")
                .getBytes(StandardCharsets.UTF_8));
        this.fixedCredentials = credentials(PLACEHOLDER, def.scopes(), takenUntil);
    }

    private static Map<String, Object> claimBody(TaskStatus status, TaskDefinition def, Instant takenUntil) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("runId", 0);
        out.put("workerGroup", status.runs().get(0).workerGroup());
        out.put("workerId", status.runs().get(0).workerId());
        out.put("takenUntil", Json.format(takenUntil));
        out.put("task", def);
        return out;
    }

    /** The run's temporary credentials, issued as the queue issues them (through the verifier, which then knows them). */
    private byte[] credentials(String taskId, List<String> taskScopes, Instant expiry) {
        TemporaryCredentials t = hawk.issueTemporary(ROOT, rootToken, RunScopes.of(taskId, 0, taskScopes),
                clock.instant().minus(Duration.ofMinutes(5)), expiry);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("clientId", t.clientId());
        out.put("accessToken", t.accessToken());
        out.put("certificate", t.certificate());
        return Json.writeBytes(out);
    }

    public static void main(String[] args) {
        Level level = Level.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        int port = Integer.parseInt(System.getenv("BERTH_PORT"));
        String host = System.getenv().getOrDefault("BERTH_BIND_HOST", "127.0.0.1");
        FloorServer floor = new FloorServer(level, System.getenv("BERTH_ROOT_ACCESS_TOKEN"), port);
        Javalin app = Javalin.create(c -> {
            // as BerthServer
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.jetty.port = port;
            c.jetty.host = host;
            c.http.maxRequestSize = 16L * 1024 * 1024;
            ApiErrors.install(c);
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            c.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
            floor.install(c);
        }).start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop));
        System.out.println(READY + " (level " + level.name().toLowerCase(java.util.Locale.ROOT) + ", port " + port + ")");
    }

    private void install(JavalinConfig c) {
        String create = PREFIX + "/task/{taskId}";
        String claim = PREFIX + "/claim-work/{provisionerId}/{workerType}";
        String report = PREFIX + "/task/{taskId}/runs/{runId}/completed";
        switch (level) {
            case BYTES, HAWK -> {
                boolean auth = level == Level.HAWK;
                // bodies read (not parsed): a body left unread makes Jetty close the keep-alive connection
                c.routes.addHttpHandler(HandlerType.PUT, create, ctx -> {
                    ctx.bodyAsBytes();
                    if (auth) authenticate(ctx);
                    String taskId = ctx.pathParam("taskId");
                    pending.add(new Pending(taskId, null, null));
                    ctx.contentType("application/json").result(createAnswer.with(taskId));
                });
                c.routes.addHttpHandler(HandlerType.POST, claim, ctx -> {
                    ctx.bodyAsBytes();
                    if (auth) authenticate(ctx);
                    Pending p = pending.poll(20, TimeUnit.SECONDS);
                    if (p == null) {
                        ctx.contentType("application/json").result(NO_TASKS);
                        return;
                    }
                    byte[] creds = auth ? credentials(p.taskId(), List.of(), clock.instant().plusSeconds(1200)) : fixedCredentials;
                    ctx.contentType("application/json").result(claimHead.with(p.taskId(), creds));
                });
                c.routes.addHttpHandler(HandlerType.POST, report, ctx -> {
                    if (auth) authenticate(ctx);
                    ctx.contentType("application/json").result(reportAnswer.with(ctx.pathParam("taskId")));
                });
            }
            case JSON, SCHEMA -> {
                boolean schema = level == Level.SCHEMA;
                RouteTable t = new RouteTable(PREFIX);
                t.put("/task/{taskId}", "createTask", QueueApi.CREATE_TASK_SCOPES, ctx -> {
                    TaskDefinition def = TaskDefinitions.fromRequest(Bodies.taskId(ctx),
                            bodies.json(ctx, schema ? "queue/v1/create-task-request.json" : null));
                    ctx.attribute("floor.def", def);
                    return QueueApi.createTaskParams(def);
                }, ctx -> {
                    String taskId = Bodies.taskId(ctx);
                    TaskDefinition def = ctx.attribute("floor.def");
                    TaskStatus status = TaskLifecycle.created(taskId, def, true, clock.instant());
                    pending.add(new Pending(taskId, def, status));
                    json(ctx, Map.of("status", status));
                });
                t.post("/claim-work/{provisionerId}/{workerType}", "claimWork",
                        allOf(scope("queue:claim-work:<taskQueueId>"), scope("queue:worker-id:<workerGroup>/<workerId>")), ctx -> {
                    JsonNode body = bodies.json(ctx, schema ? "queue/v1/claim-work-request.json" : null);
                    return Map.of("workerGroup", body.get("workerGroup").asText(), "workerId", body.get("workerId").asText(),
                            "taskQueueId", ctx.pathParam("provisionerId") + "/" + ctx.pathParam("workerType"));
                }, ctx -> {
                    JsonNode body = bodies.json(ctx, schema ? "queue/v1/claim-work-request.json" : null);
                    String group = body.get("workerGroup").asText();
                    String worker = body.get("workerId").asText();
                    if (body.get("tasks").asInt() < 1) throw new IllegalArgumentException("tasks < 1");
                    Pending p = pending.poll(20, TimeUnit.SECONDS);
                    if (p == null) {
                        json(ctx, Map.of("tasks", List.of()));
                        return;
                    }
                    Instant now = clock.instant();
                    Instant takenUntil = now.plusSeconds(1200);
                    TaskStatus claimed = TaskLifecycle.claim(p.status(), 0, group, worker, takenUntil, now);
                    running.put(p.taskId(), claimed);
                    Map<String, Object> out = claimBody(claimed, p.def(), takenUntil);
                    out.put("credentials", Json.MAPPER.readTree(credentials(p.taskId(), p.def().scopes(), takenUntil)));
                    json(ctx, Map.of("tasks", List.of(out)));
                });
                t.post("/task/{taskId}/runs/{runId}/completed", "reportCompleted",
                        scope("queue:resolve-task:<taskId>/<runId>"), ctx -> {
                    String taskId = Bodies.taskId(ctx);
                    int runId = Bodies.runId(ctx);
                    TaskStatus status = running.remove(taskId);
                    if (status == null) throw dev.berth.core.BerthException.notFound("no running task " + taskId);
                    json(ctx, Map.of("status", TaskLifecycle.resolve(status, runId, TaskState.COMPLETED, clock.instant())));
                });
                t.install(c, new StaticAuthenticator());
            }
        }
    }

    private static void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.writeBytes(body));
    }

    private Caller authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        String query = ctx.req().getQueryString();
        String resource = ctx.req().getRequestURI() + (query == null ? "" : "?" + query);
        var a = hawk.authenticate(header, ctx.method().name(), resource, "127.0.0.1", port, null, null);
        return new Caller(a.clientId(), Set.copyOf(a.scopes()), a.issuer());
    }

    /** Berth's authenticator over the static client table, for the RouteTable's checks. */
    private final class StaticAuthenticator implements dev.berth.server.auth.Authenticator {
        @Override
        public Caller authenticate(Context ctx) { return FloorServer.this.authenticate(ctx); }

        @Override
        public com.fasterxml.jackson.databind.node.ObjectNode temporaryCredentials(List<String> scopes, Instant expiry) {
            throw new UnsupportedOperationException();
        }
    }

    /** Fixed answer bytes with the places of the placeholder id, filled per request. */
    private record Template(byte[] bytes, int[] at) {
        static Template of(byte[] bytes) {
            byte[] p = PLACEHOLDER.getBytes(StandardCharsets.US_ASCII);
            List<Integer> at = new ArrayList<>();
            outer:
            for (int i = 0; i + p.length <= bytes.length; i++) {
                for (int j = 0; j < p.length; j++) if (bytes[i + j] != p[j]) continue outer;
                at.add(i);
            }
            if (at.isEmpty()) throw new IllegalStateException("no placeholder in the answer");
            return new Template(bytes, at.stream().mapToInt(Integer::intValue).toArray());
        }

        byte[] with(String taskId) {
            byte[] out = bytes.clone();
            fill(out, taskId);
            return out;
        }

        /** The claim head with the id, then the credentials and the closing brackets. */
        byte[] with(String taskId, byte[] credentials) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + credentials.length + 3);
            byte[] head = bytes.clone();
            fill(head, taskId);
            out.writeBytes(head);
            out.writeBytes(credentials);
            out.writeBytes("}]}".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        private void fill(byte[] out, String taskId) {
            byte[] id = taskId.getBytes(StandardCharsets.US_ASCII);
            if (id.length != PLACEHOLDER.length()) throw new IllegalArgumentException("not a slugid: " + taskId);
            for (int a : at) System.arraycopy(id, 0, out, a, id.length);
        }
    }
}
