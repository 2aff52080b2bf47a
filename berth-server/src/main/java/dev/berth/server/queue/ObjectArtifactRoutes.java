package dev.berth.server.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.core.object.ObjectArtifacts;
import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectService;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.object.ObjectUrls;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The queue's answers for artifacts of storage type {@code object}, as Taskcluster's queue gives them: the worker
 * uploads to the object service with credentials limited to that one object, and readers get credentials to
 * download it. Kept apart from {@link ArtifactRoutes}, which calls in here for this one storage type.
 */
public final class ObjectArtifactRoutes {

    /** As Taskcluster: upload credentials last until the artifact expires or a day, whichever is first. */
    private static final Duration UPLOAD_CREDENTIALS = Duration.ofHours(24);
    private static final Duration DOWNLOAD_CREDENTIALS = Duration.ofHours(1);
    private static final Duration SIMPLE_URL_VALIDITY = Duration.ofMinutes(30);

    private final ObjectArtifacts objectArtifacts;
    private final ObjectService objects;
    private final ObjectUrls urls;
    private final Authenticator auth;
    private final Clock clock;

    public ObjectArtifactRoutes(ObjectArtifacts objectArtifacts, ObjectService objects, ObjectUrls urls, Authenticator auth, Clock clock) {
        this.objectArtifacts = objectArtifacts;
        this.objects = objects;
        this.urls = urls;
        this.auth = auth;
        this.clock = clock;
    }

    /** createArtifact's answer: where to upload and the credentials to do it with. */
    ObjectNode create(String taskId, int runId, String name, JsonNode request) {
        ObjectArtifacts.Created c = objectArtifacts.create(taskId, runId, name, request);
        Instant dayAhead = clock.instant().plus(UPLOAD_CREDENTIALS);
        Instant expiry = c.artifact().expires().isBefore(dayAhead) ? c.artifact().expires() : dayAhead;
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("storageType", "object");
        out.put("name", c.objectName());
        out.put("projectId", c.projectId());
        out.put("uploadId", c.uploadId());
        out.put("expires", Json.format(c.artifact().expires()));
        out.set("credentials", auth.temporaryCredentials(List.of("object:upload:" + c.projectId() + ":" + c.objectName()), expiry));
        return out;
    }

    /** finishArtifact: the body's uploadId must be the artifact's and the object's upload finished. */
    void finish(ArtifactRecord a, JsonNode body) {
        String uploadId = body == null ? null : body.path("uploadId").asText(null);
        objectArtifacts.finish(a.taskId(), a.runId(), a.name(), uploadId);
    }

    /** The artifact-content answer: the object's name and credentials to download it. */
    void content(ObjectNode out, ArtifactRecord a) {
        String objectName = ObjectArtifacts.objectName(a.taskId(), a.runId(), a.name());
        out.put("name", objectName);
        out.set("credentials", auth.temporaryCredentials(List.of("object:download:" + objectName),
                clock.instant().plus(DOWNLOAD_CREDENTIALS)));
    }

    /** getArtifact: a redirect to the object's simple download URL. */
    void redirect(Context ctx, ArtifactRecord a) {
        ObjectRecord o = objects.finished(ObjectArtifacts.objectName(a.taskId(), a.runId(), a.name()));
        String url = urls.getUrl(o, SIMPLE_URL_VALIDITY);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("storageType", "object");
        out.put("url", url);
        ctx.status(303).header("Location", url).contentType("application/json").result(Json.write(out));
    }
}
