package dev.berth.server.queue;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.ifThen;
import static dev.berth.core.auth.ScopeTemplate.scope;
import static dev.berth.server.queue.QueueApi.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.auth.ScopeTemplate;
import dev.berth.core.json.Json;
import dev.berth.core.queue.ArtifactService;
import dev.berth.core.queue.QueueService;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.BlobStore;
import dev.berth.core.store.Page;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.RouteTable;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The queue service's artifact routes (create, finish, upload and append content, get, list, info), added to
 * the queue's one route table by {@link QueueApi#routes()}; artifacts are a capability of their own within it.
 */
final class ArtifactRoutes {

    private static final Duration UPLOAD_URL_VALIDITY = Duration.ofHours(1);
    private static final Duration DOWNLOAD_URL_VALIDITY = Duration.ofMinutes(30);
    /** How long a URL handed out by the artifact-content routes lets anyone read the bytes without scopes. */
    private static final Duration CONTENT_URL_VALIDITY = Duration.ofMinutes(5);
    private static final Duration LIVE_RECHECK = Duration.ofSeconds(1);
    private static final java.util.regex.Pattern ARTIFACT_KEY = java.util.regex.Pattern.compile("[^\\x00-\\x1f\\x7f]+");

    private final QueueService queue;
    private final ArtifactService artifacts;
    private final Authenticator auth;
    private final Bodies bodies;
    private final UploadTokens uploadTokens;
    private final UploadTokens downloadTokens;
    private final ArtifactRedirects redirects;
    private final MeterRegistry metrics;
    private final String rootUrl;
    private final ObjectArtifactRoutes objectArtifacts;

    ArtifactRoutes(QueueService queue, ArtifactService artifacts, Authenticator auth, Bodies bodies,
                   UploadTokens uploadTokens, MeterRegistry metrics, String rootUrl, ObjectArtifactRoutes objectArtifacts) {
        this.queue = queue;
        this.artifacts = artifacts;
        this.auth = auth;
        this.bodies = bodies;
        this.uploadTokens = uploadTokens;
        this.downloadTokens = uploadTokens.forDownloads();
        this.redirects = new ArtifactRedirects(artifacts, auth, downloadTokens, rootUrl);
        this.metrics = metrics;
        this.rootUrl = rootUrl;
        this.objectArtifacts = objectArtifacts;
    }

    ArtifactRedirects redirects() { return redirects; }

    void addTo(RouteTable t) {
        ScopeTemplate createArtifact = scope("queue:create-artifact:<taskId>/<runId>");
        t.post("/task/{taskId}/runs/{runId}/artifacts/<name>", "createArtifact", createArtifact, this::createArtifact);
        t.put("/task/{taskId}/runs/{runId}/artifacts/<name>", "finishArtifact", createArtifact, this::finishArtifact);
        ScopeTemplate getArtifact = allOf(forEach("name", "names", "queue:get-artifact:<name>"));
        t.get("/task/{taskId}/runs/{runId}/artifacts/<name>", "getArtifact", getArtifact, this::runArtifactNames, this::getArtifact);
        t.get("/task/{taskId}/artifacts/<name>", "getLatestArtifact", getArtifact, ArtifactRoutes::artifactNames, this::getLatestArtifact);
        // artifact-content: how to fetch the bytes (the answer taskcluster-client's downloadArtifact reads)
        t.get("/task/{taskId}/runs/{runId}/artifact-content/<name>", "artifact", getArtifact, ArtifactRoutes::artifactNames,
                ctx -> artifactContent(ctx, Bodies.taskId(ctx), Bodies.runId(ctx)));
        t.get("/task/{taskId}/artifact-content/<name>", "latestArtifact", getArtifact, ArtifactRoutes::artifactNames, ctx -> {
            String taskId = Bodies.taskId(ctx);
            artifactContent(ctx, taskId, artifacts.latestRunId(taskId));
        });
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
    }

    /** Public artifacts are readable without credentials (anonymous holds queue:get-artifact:public/* by default, too). */
    private static java.util.Map<String, Object> artifactNames(Context ctx) {
        String name = ctx.pathParam("name");
        return java.util.Map.of("names", name.startsWith("public/") ? List.of() : List.of(name));
    }

    /** As {@link #artifactNames}, but a valid download token (from the artifact-content routes) stands for the scope. */
    private java.util.Map<String, Object> runArtifactNames(Context ctx) {
        return downloadTokenValid(ctx) ? java.util.Map.of("names", List.of()) : artifactNames(ctx);
    }

    private boolean downloadTokenValid(Context ctx) {
        return downloadTokens.valid(ctx.queryParam("token"), Bodies.taskId(ctx), Bodies.runId(ctx), ctx.pathParam("name"));
    }

    private java.util.Map<String, Object> uploadParams(Context ctx) {
        boolean valid = uploadTokens.valid(ctx.queryParam("token"), Bodies.taskId(ctx), Bodies.runId(ctx), ctx.pathParam("name"));
        return java.util.Map.of("tokenInvalid", !valid);
    }

    private void createArtifact(Context ctx) {
        String taskId = Bodies.taskId(ctx);
        int runId = Bodies.runId(ctx);
        String name = ctx.pathParam("name");
        JsonNode body = bodies.json(ctx, "queue/v1/post-artifact-request.json");
        if ("object".equals(body.path("storageType").asText())) {
            json(ctx, objectArtifacts.create(taskId, runId, name, body));
            return;
        }
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
        ArtifactRecord a = artifacts.find(taskId, runId, name);
        if ("object".equals(a.storageType())) objectArtifacts.finish(a, bodies.json(ctx, null));
        else artifacts.finish(taskId, runId, name);
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
            // ?finish=true (Berth's extension): the last batch and finishArtifact in one request; the answer says
            // "finished": true, so a worker talking to a server without it calls finishArtifact as before
            boolean finish = "true".equals(ctx.queryParam("finish"));
            ObjectNode out = Json.MAPPER.createObjectNode();
            if (finish && at != null) {
                Optional<Long> size = finishedSize(taskId, runId, name);
                if (size.isPresent() && ArtifactService.parseOffset(at) + bytes.length <= size.get()) {
                    // this batch was stored and the artifact finished, but the answer was lost: the same answer again
                    out.put("size", size.get());
                    out.put("finished", true);
                    ctx.json(out);
                    return;
                }
            }
            BlobStore.Appended done = at == null ? new BlobStore.Appended(artifacts.append(taskId, runId, name, bytes), bytes.length)
                    : artifacts.appendAt(taskId, runId, name, ArtifactService.parseOffset(at), bytes);
            metrics.counter("berth_live_log_bytes_appended").increment(done.written());
            out.put("size", done.size());
            if (finish) {
                artifacts.finish(taskId, runId, name);
                out.put("finished", true);
            }
            ctx.json(out);
        } else {
            try (InputStream in = ctx.bodyInputStream()) {
                artifacts.upload(taskId, runId, name, in);
            }
            ctx.status(200).result("");
        }
    }

    /** The size of a finished upload artifact; empty while it is still open. */
    private Optional<Long> finishedSize(String taskId, int runId, String name) {
        ArtifactRecord a = artifacts.find(taskId, runId, name);
        if (!a.present() || a.details() == null || !a.details().has("size")) return Optional.empty();
        return Optional.of(a.details().get("size").asLong());
    }

    private String contentUrl(String taskId, int runId, String name) {
        return rootUrl + QueueApi.PREFIX + "/task/" + taskId + "/runs/" + runId + "/artifact-content/" + ArtifactRedirects.encodePath(name);
    }

    private void getArtifact(Context ctx) throws IOException, InterruptedException {
        serveArtifact(ctx, Bodies.taskId(ctx), Bodies.runId(ctx), downloadTokenValid(ctx));
    }

    /**
     * Says how to fetch an artifact's bytes, after following links (the reader needs the scope of every artifact
     * on the way). An s3 artifact's URL needs no credentials: presigned by the object store, or else a
     * short-lived token for this server's getArtifact route bound to that one artifact.
     */
    private void artifactContent(Context ctx, String taskId, int runId) {
        String name = ctx.pathParam("name");
        ArtifactService.Resolved r = artifacts.resolve(taskId, runId, name, scope -> auth.authenticate(ctx).require(scope));
        ArtifactRecord a = r.artifact();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("storageType", a.storageType());
        switch (a.storageType()) {
            case "s3" -> out.put("url", redirects.s3Url(a, CONTENT_URL_VALIDITY));
            case "object" -> objectArtifacts.content(out, a);
            case "reference" -> out.put("url", r.redirectUrl());
            case "error" -> {
                out.put("reason", a.details().path("reason").asText());
                out.put("message", a.details().path("message").asText());
            }
            default -> throw BerthException.conflict("artifact " + a.name() + " has storageType " + a.storageType()
                    + ", which the artifact-content routes do not serve");
        }
        json(ctx, out);
    }

    private void getLatestArtifact(Context ctx) throws IOException, InterruptedException {
        String taskId = Bodies.taskId(ctx);
        serveArtifact(ctx, taskId, artifacts.latestRunId(taskId), false);
    }

    private void serveArtifact(Context ctx, String taskId, int runId, boolean token) throws IOException, InterruptedException {
        String name = ctx.pathParam("name");
        // the scope of the artifact asked for and of every artifact a link leads to
        // a download token is bound to one s3 artifact (never a link), so it stands for that artifact's scope alone
        ArtifactService.Resolved r = artifacts.resolve(taskId, runId, name, scope -> { if (!token) auth.authenticate(ctx).require(scope); });
        ArtifactRecord a = r.artifact();
        switch (a.storageType()) {
            case "reference" -> ctx.status(303).header("Location", r.redirectUrl()).result("");
            case "object" -> objectArtifacts.redirect(ctx, a);
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

    private static ObjectNode artifactInfo(ArtifactRecord a) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("storageType", a.storageType());
        o.put("name", a.name());
        o.put("expires", Json.format(a.expires()));
        o.put("contentType", a.contentType());
        return o;
    }
}
