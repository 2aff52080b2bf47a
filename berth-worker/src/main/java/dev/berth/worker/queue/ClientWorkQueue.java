package dev.berth.worker.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.client.QueueClient;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskDefinition;
import dev.berth.worker.retry.Backoff;
import dev.berth.worker.retry.RefusedException;
import dev.berth.worker.retry.Retrying;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.RunReporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link WorkQueue} over the Berth HTTP client. Claims with the worker's own credentials; everything
 * about a claimed run (reclaim, artifacts, resolution, status) is signed with that run's temporary
 * credentials from the claim (renewed at every reclaim), so a worker never needs more than
 * claim-work scopes of its own.
 */
public final class ClientWorkQueue implements WorkQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ClientWorkQueue.class);

    private final BerthClient client;
    private final String taskQueueId;
    private final String workerGroup;
    private final String workerId;
    /**
     * POSTs log batches to putUrls. The client has no append call; the putUrl carries its own upload
     * token, so this is an unsigned POST of bytes, nothing more.
     */
    private final HttpClient appendHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Retrying retrying;
    private final LongConsumer liveLogDropped;

    /** Retries calls about a run with the default backoff on the system clock. */
    public ClientWorkQueue(BerthClient client, String taskQueueId, String workerGroup, String workerId) {
        this(client, taskQueueId, workerGroup, workerId,
                new Retrying(Clock.systemUTC(), Retrying.Sleeper.REAL, Backoff.DEFAULT), n -> { });
    }

    /**
     * @param retrying how calls about a run are retried while the queue is away
     * @param liveLogDropped told of live log bytes given up
     */
    public ClientWorkQueue(BerthClient client, String taskQueueId, String workerGroup, String workerId,
                           Retrying retrying, LongConsumer liveLogDropped) {
        this.retrying = retrying;
        this.liveLogDropped = liveLogDropped;
        this.client = client;
        this.taskQueueId = taskQueueId;
        this.workerGroup = workerGroup;
        this.workerId = workerId;
    }

    @Override
    public List<WorkClaim> claimWork(int max, Duration wait) throws IOException {
        JsonNode answer = call(() -> client.queue().claimWork(taskQueueId, workerGroup, workerId, max, wait));
        List<WorkClaim> claims = new ArrayList<>();
        for (JsonNode c : answer.path("tasks")) claims.add(claimOf(c));
        return claims;
    }

    /** One task of a claimWork answer, or a claimTask answer (the same shape). */
    private static WorkClaim claimOf(JsonNode c) throws IOException {
        String taskId = c.path("status").path("taskId").asText();
        int runId = c.path("runId").asInt();
        TaskDefinition task;
        try {
            task = Json.MAPPER.treeToValue(c.get("task"), TaskDefinition.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IOException("the queue answered a task " + taskId + " that is not a task definition: " + e.getMessage(), e);
        }
        return new WorkClaim(new ClaimedRun(taskId, runId, task), Instant.parse(c.path("takenUntil").asText()),
                credentials(c.get("credentials")));
    }

    @Override
    public java.util.Optional<WorkClaim> claimTask(String taskId) throws IOException {
        // the run to claim is the latest, if pending; asked unsigned, as anyone may read a status (the anonymous
        // role's queue:status:*), while the worker's own client holds no status scopes
        JsonNode runs = call(() -> client.withCredentials(null).queue().status(taskId)).path("status").path("runs");
        if (runs.isEmpty()) return java.util.Optional.empty();
        JsonNode latest = runs.get(runs.size() - 1);
        if (!"pending".equals(latest.path("state").asText())) return java.util.Optional.empty();
        int runId = latest.path("runId").asInt();
        Map<String, Object> body = Map.of("workerGroup", workerGroup, "workerId", workerId);
        try {
            return java.util.Optional.of(claimOf(call(() -> client.request("POST", QueueClient.SERVICE,
                    BerthClient.path("/task/<taskId>/runs/<runId>/claim", taskId, runId), null, body))));
        } catch (BerthApiException e) {
            // another worker claimed it between the status and the claim
            if (e.statusCode() == 409) return java.util.Optional.empty();
            throw e;
        }
    }

    @Override
    public ReclaimResult reclaim(WorkClaim claim) throws IOException {
        try {
            JsonNode answer = call(() -> forRun(claim).queue().reclaimTask(claim.taskId(), claim.runId()));
            Instant takenUntil = Instant.parse(answer.path("takenUntil").asText());
            claim.renew(takenUntil, credentials(answer.get("credentials")));
            return new ReclaimResult.Renewed(takenUntil);
        } catch (BerthApiException e) {
            if (e.statusCode() == 409) return new ReclaimResult.Gone(e.getMessage());
            throw e;
        }
    }

    @Override
    public boolean isStillRunning(WorkClaim claim) throws IOException {
        JsonNode status = call(() -> forRun(claim).queue().status(claim.taskId())).path("status");
        for (JsonNode run : status.path("runs")) {
            if (run.path("runId").asInt(-1) == claim.runId()) {
                return "running".equals(run.path("state").asText())
                        && workerId.equals(run.path("workerId").asText(workerId));
            }
        }
        return false;
    }

    @Override
    public RunReporter reporterFor(WorkClaim claim) throws IOException {
        return new QueueRunReporter(new ClientRunCalls(claim), claim.toString(), TaskLogName.of(claim.run().task()),
                claim.run().task().expires(), retrying, claim::takenUntil, liveLogDropped);
    }

    /** A client signing with the run's current temporary credentials (the worker's own when there are none). */
    private BerthClient forRun(WorkClaim claim) {
        TemporaryCredentials c = claim.credentials();
        return c == null ? client : client.withCredentials(new Credentials(c.clientId(), c.accessToken(), c.certificate()));
    }

    private static TemporaryCredentials credentials(JsonNode node) {
        if (node == null || !node.hasNonNull("clientId") || !node.hasNonNull("accessToken")) return null;
        return new TemporaryCredentials(node.get("clientId").asText(), node.get("accessToken").asText(),
                node.path("certificate").isNull() ? null : node.path("certificate").asText(null));
    }

    private interface Call<T> {
        T run();
    }

    /** The client throws unchecked; a transport failure is an IOException here (try again later). */
    private static <T> T call(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The calls about one run, signed with its credentials at the time of each call. */
    private final class ClientRunCalls implements RunCalls {
        private final WorkClaim claim;

        ClientRunCalls(WorkClaim claim) {
            this.claim = claim;
        }

        private QueueClient queue() {
            return forRun(claim).queue();
        }

        @Override
        public URI createUploadArtifact(String name, String contentType, Instant expires) throws IOException {
            return createS3Artifact(name, contentType, expires, "putUrl");
        }

        @Override
        public URI createAppendArtifact(String name, String contentType, Instant expires) throws IOException {
            return createS3Artifact(name, contentType, expires, "appendUrl");
        }

        /** Answers the URL in {@code urlField}, or the putUrl from a server that gives no appendUrl. */
        private URI createS3Artifact(String name, String contentType, Instant expires, String urlField) throws IOException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("storageType", "s3");
            body.put("contentType", contentType);
            body.put("expires", Json.format(expires));
            JsonNode answer = call(() -> queue().createArtifact(claim.taskId(), claim.runId(), name, body));
            String putUrl = answer.path(urlField).asText(answer.path("putUrl").asText(null));
            if (putUrl == null) throw new IOException("createArtifact " + name + " answered no putUrl");
            return URI.create(putUrl);
        }

        @Override
        public void createErrorArtifact(String name, String reason, String message, Instant expires) throws IOException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("storageType", "error");
            body.put("reason", reason);
            body.put("message", message);
            body.put("expires", Json.format(expires));
            call(() -> queue().createArtifact(claim.taskId(), claim.runId(), name, body));
        }

        @Override
        public void finishArtifact(String name) throws IOException {
            call(() -> queue().finishArtifact(claim.taskId(), claim.runId(), name, Map.of()));
        }

        @Override
        public long appendContent(URI putUrl, long offset, byte[] bytes) throws IOException {
            return append(putUrl, offset, bytes, false).path("size").asLong(-1);
        }

        @Override
        public boolean appendAndFinish(URI putUrl, long offset, byte[] bytes) throws IOException {
            // a server without ?finish answers only the size: the caller then finishes the artifact itself
            return append(putUrl, offset, bytes, true).path("finished").asBoolean(false);
        }

        /** POSTs a batch; answers the queue's JSON answer (an empty object when it is none). */
        private JsonNode append(URI putUrl, long offset, byte[] bytes, boolean finish) throws IOException {
            String query = (offset < 0 ? "" : "offset=" + offset) + (finish ? (offset < 0 ? "" : "&") + "finish=true" : "");
            URI url = query.isEmpty() ? putUrl
                    : URI.create(putUrl + (putUrl.getRawQuery() == null ? "?" : "&") + query);
            HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", QueueRunReporter.LOG_CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
            try {
                HttpResponse<String> response = appendHttp.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 300) {
                    throw new RefusedException(response.statusCode(), "appending to " + putUrl.getPath() + " answered " + response.statusCode()
                            + ": " + response.body());
                }
                try {
                    JsonNode answer = Json.MAPPER.readTree(response.body());
                    return answer == null ? Json.MAPPER.createObjectNode() : answer;
                } catch (com.fasterxml.jackson.core.JacksonException e) {
                    return Json.MAPPER.createObjectNode();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while appending to the log", e);
            }
        }

        @Override
        public void putContent(URI putUrl, String contentType, long size, InputStream content) throws IOException {
            // the runner's stream is a window on a tar stream: it must not be closed by the upload
            InputStream unclosable = new java.io.FilterInputStream(content) {
                @Override
                public void close() {}
            };
            call(() -> {
                forRun(claim).upload(putUrl, unclosable, size, contentType);
                return null;
            });
        }

        @Override
        public void reportCompleted() throws IOException {
            call(() -> queue().reportCompleted(claim.taskId(), claim.runId()));
        }

        @Override
        public void reportFailed() throws IOException {
            call(() -> queue().reportFailed(claim.taskId(), claim.runId()));
        }

        @Override
        public void reportException(ReasonResolved reason) throws IOException {
            call(() -> queue().reportException(claim.taskId(), claim.runId(), reason.wire()));
        }
    }
}
