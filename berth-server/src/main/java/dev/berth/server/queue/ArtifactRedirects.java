package dev.berth.server.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.core.queue.ArtifactService;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.server.auth.Authenticator;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where an artifact's bytes are fetched without credentials: a URL presigned by the object store, or a
 * short-lived token for this server's getArtifact route bound to that one artifact. The queue's artifact-content
 * routes and the index's findArtifactFromTask hand these out.
 */
public final class ArtifactRedirects {

    /** As Taskcluster's index signs its redirects for a quarter of an hour. */
    private static final Duration INDEX_REDIRECT_VALIDITY = Duration.ofMinutes(15);

    private final ArtifactService artifacts;
    private final Authenticator auth;
    private final UploadTokens downloadTokens;
    private final String rootUrl;

    ArtifactRedirects(ArtifactService artifacts, Authenticator auth, UploadTokens downloadTokens, String rootUrl) {
        this.artifacts = artifacts;
        this.auth = auth;
        this.downloadTokens = downloadTokens;
        this.rootUrl = rootUrl;
    }

    /** A URL that reads the bytes of s3 artifact {@code a} without credentials for {@code validity}. */
    String s3Url(ArtifactRecord a, Duration validity) {
        return artifacts.directDownloadUrl(a, validity).map(Object::toString)
                .orElseGet(() -> runArtifactUrl(a) + "?token=" + downloadTokens.issue(a.taskId(), a.runId(), a.name(), validity));
    }

    /**
     * Answers with where to fetch artifact {@code name} of the latest run of {@code taskId}: 303 to its bytes, to
     * a reference's URL, or to the queue's getLatestArtifact route; 424 for an error artifact. The caller must be
     * allowed to read every artifact a link leads to (the route checked the first).
     */
    public void redirectToLatest(Context ctx, String taskId, String name) {
        int runId = artifacts.latestRunId(taskId);
        ArtifactService.Resolved r = artifacts.resolve(taskId, runId, name, scope -> auth.authenticate(ctx).require(scope));
        ArtifactRecord a = r.artifact();
        String location = switch (a.storageType()) {
            case "s3" -> s3Url(a, INDEX_REDIRECT_VALIDITY);
            case "reference" -> r.redirectUrl();
            case "error" -> null;
            default -> rootUrl + QueueApi.PREFIX + "/task/" + taskId + "/artifacts/" + encodePath(a.name());
        };
        if (location == null) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("code", "ArtifactError");
            out.put("message", "artifact " + name + " is an error artifact: " + r.errorMessage());
            out.put("reason", a.details().path("reason").asText());
            ctx.status(424).contentType("application/json").result(Json.write(out));
            return;
        }
        ctx.status(303).header("Location", location).result("");
    }

    private String runArtifactUrl(ArtifactRecord a) {
        return rootUrl + QueueApi.PREFIX + "/task/" + a.taskId() + "/runs/" + a.runId() + "/artifacts/" + encodePath(a.name());
    }

    /** Each segment of an artifact name percent-encoded; the slashes between them kept. */
    static String encodePath(String name) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/", -1)) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }
}
