package dev.berth.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.json.JsonSchemas;
import dev.berth.core.queue.QueueService;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import dev.berth.core.task.TaskRequests;
import dev.berth.core.task.TaskStatus;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.auth.Caller;
import dev.berth.server.http.Bodies;
import dev.berth.server.queue.QueueApi;
import dev.berth.core.auth.ScopeTemplate;
import dev.berth.server.http.RouteTable;
import dev.berth.server.ui.WebInspector;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The small job API of seed 003 (Herc): list endpoints, the submission schema, submit a job, ask its status.
 * A job is a task on the queue with a docker-worker payload.
 */
public final class JobApi {

    static final String SUBMIT_SCHEMA = "jobs/v1/submit-request.json";
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, String>> STRING_MAP = new com.fasterxml.jackson.core.type.TypeReference<>() {};
    private static final com.fasterxml.jackson.core.type.TypeReference<List<String>> STRING_LIST = new com.fasterxml.jackson.core.type.TypeReference<>() {};
    private static final Map<String, String> ENDPOINTS = new LinkedHashMap<>();
    private static final String SUBMISSION = "berth.submission";

    static {
        ENDPOINTS.put("GET /", "Returns the list of endpoints that this web service provides.");
        ENDPOINTS.put("GET /schema", "Returns the JSON schema used to validate job submission requests.");
        ENDPOINTS.put("GET /sleep/<n>", "Sleeps for n seconds (at most 60) and then returns.");
        ENDPOINTS.put("GET /status/<jobid>", "Returns the job's current state and the time it entered that state; 404 if there is no such job.");
        ENDPOINTS.put("POST /submit", "Submits a job. The body must be JSON valid against GET /schema. Returns the job id (a task id) as a JSON string.");
        ENDPOINTS.put("/api/queue/v1/", "The Taskcluster-compatible queue API.");
        ENDPOINTS.put("/api/auth/v1/", "The Taskcluster-compatible auth API.");
        ENDPOINTS.put("GET /schemas/<name>", "Every JSON schema Berth uses.");
        ENDPOINTS.put("GET /ui/", "The web inspector (also what / answers to a browser).");
        ENDPOINTS.put("GET /healthz", "Liveness and database check.");
        ENDPOINTS.put("GET /metrics", "Prometheus metrics.");
    }

    private final QueueService queue;
    private final Authenticator auth;
    private final Bodies bodies;
    private final Clock clock;
    private final Supplier<String> newTaskId;
    private final WebInspector inspector;

    public JobApi(QueueService queue, Authenticator auth, Bodies bodies, Clock clock, Supplier<String> newTaskId,
                  WebInspector inspector) {
        this.inspector = inspector;
        this.queue = queue;
        this.auth = auth;
        this.bodies = bodies;
        this.clock = clock;
        this.newTaskId = newTaskId;
    }

    /** The job API's routes; submit needs what createTask needs for the task it makes. */
    public RouteTable routes() {
        RouteTable t = new RouteTable("");
        t.get("/", "index", null, this::index);
        t.get("/schema", "schema", null, ctx -> ctx.contentType("application/json").result(Json.write(JsonSchemas.document(SUBMIT_SCHEMA))));
        t.post("/submit", "submit", QueueApi.CREATE_TASK_SCOPES, this::submitParams, this::submit);
        t.get("/status/{jobId}", "jobStatus", ScopeTemplate.scope("queue:status:<jobId>"), this::status);
        t.get("/sleep/{seconds}", "sleep", null, this::sleep);
        return t;
    }

    private record Submission(String taskId, TaskDefinition definition) {}

    private Map<String, Object> submitParams(Context ctx) {
        Caller caller = auth.authenticate(ctx);
        JsonNode job = bodies.json(ctx, SUBMIT_SCHEMA);
        String taskId = newTaskId.get();
        Map<String, String> env = job.has("env") ? Json.MAPPER.convertValue(job.get("env"), STRING_MAP) : null;
        List<String> command = Json.MAPPER.convertValue(job.get("command"), STRING_LIST);
        ObjectNode task = TaskRequests.task(
                TaskRequests.dockerPayload(job.get("image").asText(), command, job.path("maxRunTime").asInt(3600), env),
                new TaskRequests.Defaults(job.path("taskQueueId").asText("local/docker"), clock.instant(),
                        Duration.ofSeconds(job.path("deadlineSeconds").asLong(86400)), job.path("name").asText("job " + taskId),
                        "submitted through POST /submit", job.path("owner").asText(caller.clientId()), ctx.url()));
        if (job.has("priority")) task.put("priority", job.get("priority").asText());
        if (job.has("retries")) task.put("retries", job.get("retries").asInt());
        TaskDefinition def = TaskDefinitions.fromRequest(taskId, task);
        ctx.attribute(SUBMISSION, new Submission(taskId, def));
        return QueueApi.createTaskParams(def);
    }

    private void index(Context ctx) {
        String accept = ctx.header("Accept");
        boolean wantsHtml = accept != null && accept.contains("text/html") && !accept.contains("application/json");
        if (wantsHtml && inspector.present()) {
            // a browser gets the web inspector; JSON clients keep getting the endpoint list
            inspector.index(ctx);
            return;
        }
        if (wantsHtml) {
            StringBuilder html = new StringBuilder("<!doctype html><html><head><title>Berth</title></head><body><h1>Berth</h1><ul>");
            ENDPOINTS.forEach((k, v) -> html.append("<li><code>").append(escape(k)).append("</code> — ").append(escape(v)).append("</li>"));
            ctx.html(html.append("</ul></body></html>").toString());
            return;
        }
        ctx.contentType("application/json").result(Json.write(ENDPOINTS));
    }

    private void submit(Context ctx) {
        Submission job = ctx.attribute(SUBMISSION);
        queue.createTask(job.taskId(), job.definition());
        ctx.status(200).contentType("application/json").result(Json.write(job.taskId()));
    }

    private void status(Context ctx) {
        String jobId = ctx.pathParam("jobId");
        if (!jobId.matches("[A-Za-z0-9_-]{22}")) throw BerthException.notFound("no job " + jobId);
        TaskRecord t = queue.task(jobId);
        TaskStatus s = t.status();
        Instant since = s.latestRun().map(JobApi::enteredState).orElse(t.definition().created());
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("jobId", jobId);
        out.put("state", s.state().wire());
        out.put("since", Json.format(since));
        s.latestRun().ifPresent(r -> {
            if (r.reasonResolved() != null) out.put("reasonResolved", r.reasonResolved().wire());
        });
        ctx.contentType("application/json").result(Json.write(out));
    }

    private static Instant enteredState(Run r) {
        if (r.resolved() != null) return r.resolved();
        if (r.started() != null) return r.started();
        return r.scheduled();
    }

    private void sleep(Context ctx) throws InterruptedException {
        int n;
        try {
            n = Integer.parseInt(ctx.pathParam("seconds"));
        } catch (NumberFormatException e) {
            throw BerthException.input("n must be a whole number of seconds; got '" + ctx.pathParam("seconds") + "'");
        }
        if (n < 0 || n > 60) throw BerthException.input("n must be between 0 and 60 seconds; got " + n);
        Thread.sleep(n * 1000L);
        ctx.contentType("application/json").result(Json.write(Map.of("slept", n)));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
