package dev.berth.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskStatus;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Queue v1 routes, named and shaped as in taskcluster-client's {@code apis.js} (entry {@code Queue}). Request
 * and response bodies are JSON trees, except where a core record describes the shape exactly.
 */
public final class QueueClient {

    public static final String SERVICE = "queue";

    private final BerthClient client;

    QueueClient(BerthClient client) { this.client = client; }

    public JsonNode ping() { return client.get(SERVICE, "/ping"); }

    /** GET /task/&lt;taskId&gt; as a JSON tree. */
    public JsonNode task(String taskId) { return client.get(SERVICE, BerthClient.path("/task/<taskId>", taskId)); }

    /** GET /task/&lt;taskId&gt; as the core record. */
    public TaskDefinition taskDefinition(String taskId) { return convert(task(taskId), TaskDefinition.class); }

    /** GET /task/&lt;taskId&gt;/status: the {@code {status: ...}} response. */
    public JsonNode status(String taskId) {
        return client.get(SERVICE, BerthClient.path("/task/<taskId>/status", taskId));
    }

    /** The {@code status} member of {@link #status(String)} as the core record. */
    public TaskStatus taskStatus(String taskId) { return convert(status(taskId).get("status"), TaskStatus.class); }

    /** PUT /task/&lt;taskId&gt;: {@code task} may leave out fields the queue defaults. Returns {@code {status}}. */
    public JsonNode createTask(String taskId, Object task) {
        return client.request("PUT", SERVICE, BerthClient.path("/task/<taskId>", taskId), null, task);
    }

    public JsonNode scheduleTask(String taskId) { return post("/task/<taskId>/schedule", null, taskId); }

    public JsonNode cancelTask(String taskId) { return post("/task/<taskId>/cancel", null, taskId); }

    public JsonNode rerunTask(String taskId) { return post("/task/<taskId>/rerun", null, taskId); }

    /** POST /claim-work/&lt;taskQueueId&gt; with {@code {workerGroup, workerId, tasks}}; returns {@code {tasks: [...]}}. */
    public JsonNode claimWork(String taskQueueId, String workerGroup, String workerId, int tasks) {
        return claimWork(taskQueueId, workerGroup, workerId, tasks, null);
    }

    /**
     * claimWork with Berth's optional bound on the long poll ({@code ?wait=<seconds>}, at most 20; Taskcluster
     * servers ignore it). A worker that may need to stop soon asks for short polls so it never has to abandon
     * one: an abandoned poll can still claim a task for a worker that no longer listens.
     */
    public JsonNode claimWork(String taskQueueId, String workerGroup, String workerId, int tasks, Duration wait) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("workerGroup", workerGroup);
        body.put("workerId", workerId);
        body.put("tasks", tasks);
        Map<String, Object> query = wait == null ? null : Map.of("wait", Math.max(0, wait.toSeconds()));
        return client.request("POST", SERVICE, BerthClient.path("/claim-work/<taskQueueId>", taskQueueId), query, body);
    }

    public JsonNode reclaimTask(String taskId, int runId) {
        return post("/task/<taskId>/runs/<runId>/reclaim", null, taskId, runId);
    }

    public JsonNode reportCompleted(String taskId, int runId) {
        return post("/task/<taskId>/runs/<runId>/completed", null, taskId, runId);
    }

    public JsonNode reportFailed(String taskId, int runId) {
        return post("/task/<taskId>/runs/<runId>/failed", null, taskId, runId);
    }

    /** @param reason e.g. {@code worker-shutdown}, {@code malformed-payload}, {@code intermittent-task} */
    public JsonNode reportException(String taskId, int runId, String reason) {
        return post("/task/<taskId>/runs/<runId>/exception", Map.of("reason", reason), taskId, runId);
    }

    /** GET /task-group/&lt;taskGroupId&gt;/list, one page; pass the previous page's continuationToken for the next. */
    public JsonNode listTaskGroup(String taskGroupId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/task-group/<taskGroupId>/list", taskGroupId),
                page(continuationToken, limit), null);
    }

    public JsonNode listDependentTasks(String taskId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/task/<taskId>/dependents", taskId),
                page(continuationToken, limit), null);
    }

    /** GET /pending/&lt;taskQueueId&gt;: {@code {taskQueueId, pendingTasks}} (deprecated upstream, still served). */
    public JsonNode pendingTasks(String taskQueueId) {
        return client.get(SERVICE, BerthClient.path("/pending/<taskQueueId>", taskQueueId));
    }

    /** GET /task-queues/&lt;taskQueueId&gt;/counts: {@code {taskQueueId, pendingTasks, claimedTasks}}. */
    public JsonNode taskQueueCounts(String taskQueueId) {
        return client.get(SERVICE, BerthClient.path("/task-queues/<taskQueueId>/counts", taskQueueId));
    }

    /**
     * POST /task/&lt;taskId&gt;/runs/&lt;runId&gt;/artifacts/&lt;name&gt; with e.g.
     * {@code {storageType: "s3", contentType, expires}}; the response tells where to PUT the bytes
     * ({@code putUrl}), see {@link BerthClient#upload(URI, Path, String)}.
     */
    public JsonNode createArtifact(String taskId, int runId, String name, Object request) {
        return post("/task/<taskId>/runs/<runId>/artifacts/<name>", request, taskId, runId, name);
    }

    /** PUT /task/&lt;taskId&gt;/runs/&lt;runId&gt;/artifacts/&lt;name&gt; with {@code {uploadId}} when the upload is done. */
    public JsonNode finishArtifact(String taskId, int runId, String name, Object request) {
        return client.request("PUT", SERVICE,
                BerthClient.path("/task/<taskId>/runs/<runId>/artifacts/<name>", taskId, runId, name), null, request);
    }

    /** The artifact's bytes, following the queue's redirect; the caller closes the stream. */
    public InputStream getArtifact(String taskId, int runId, String name) {
        return client.openStream(SERVICE, artifactPath(taskId, runId, name));
    }

    /** The artifact of the task's latest run; the caller closes the stream. */
    public InputStream getLatestArtifact(String taskId, String name) {
        return client.openStream(SERVICE, latestArtifactPath(taskId, name));
    }

    public void downloadArtifact(String taskId, int runId, String name, Path target) {
        client.download(SERVICE, artifactPath(taskId, runId, name), target);
    }

    public void downloadLatestArtifact(String taskId, String name, Path target) {
        client.download(SERVICE, latestArtifactPath(taskId, name), target);
    }

    /** A bewit-signed URL of the latest run's artifact, for handing to a browser or curl. */
    public URI signedLatestArtifactUrl(String taskId, String name, Duration ttl) {
        return client.buildSignedUrl(SERVICE, latestArtifactPath(taskId, name), null, ttl);
    }

    public JsonNode listArtifacts(String taskId, int runId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/task/<taskId>/runs/<runId>/artifacts", taskId, runId),
                page(continuationToken, limit), null);
    }

    public JsonNode listLatestArtifacts(String taskId, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, BerthClient.path("/task/<taskId>/artifacts", taskId),
                page(continuationToken, limit), null);
    }

    private static String artifactPath(String taskId, int runId, String name) {
        return BerthClient.path("/task/<taskId>/runs/<runId>/artifacts/<name>", taskId, runId, name);
    }

    private static String latestArtifactPath(String taskId, String name) {
        return BerthClient.path("/task/<taskId>/artifacts/<name>", taskId, name);
    }

    private JsonNode post(String template, Object body, Object... args) {
        return client.request("POST", SERVICE, BerthClient.path(template, args), null, body);
    }

    static Map<String, Object> page(String continuationToken, Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("continuationToken", continuationToken);
        query.put("limit", limit);
        return query;
    }

    private static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("response does not have the shape of " + type.getSimpleName(), e);
        }
    }
}
