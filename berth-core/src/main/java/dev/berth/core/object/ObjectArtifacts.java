package dev.berth.core.object;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.queue.ArtifactService;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;

/**
 * Artifacts of storage type {@code object}, as Taskcluster's queue keeps them: the bytes are an object of the
 * object service named {@code t/<taskId>/<runId>/<artifact name>}, uploaded by the worker itself. createArtifact
 * locks the upload in (its uploadId, the task's projectId, the artifact's expiry); finishArtifact marks the
 * artifact present once the object's upload is finished.
 */
public final class ObjectArtifacts {

    /** A created object artifact: its record, the object it is stored in, and the task's projectId. */
    public record Created(ArtifactRecord artifact, String objectName, String projectId, String uploadId) {}

    private final TaskStore tasks;
    private final ArtifactService artifacts;
    private final ObjectService objects;

    public ObjectArtifacts(TaskStore tasks, ArtifactService artifacts, ObjectService objects) {
        this.tasks = tasks;
        this.artifacts = artifacts;
        this.objects = objects;
    }

    public static String objectName(String taskId, int runId, String name) {
        return "t/" + taskId + "/" + runId + "/" + name;
    }

    /** createArtifact with storageType object. */
    public Created create(String taskId, int runId, String name, JsonNode request) {
        String objectName = objectName(taskId, runId, name);
        // the object's name rules (printable ASCII) are narrower than an artifact's: refuse before recording anything
        ObjectService.checkName(objectName);
        ArtifactRecord a = artifacts.create(taskId, runId, name, request);
        if (a.present()) {
            throw BerthException.conflict("object artifact " + name + " of run " + runId + " of task " + taskId
                    + " is finished; its content is final");
        }
        TaskRecord task = tasks.findTask(taskId).orElseThrow(() -> BerthException.notFound("task " + taskId + " not found"));
        String projectId = task.definition().projectId();
        String uploadId = a.details().path("uploadId").asText();
        objects.createUpload(objectName, new ObjectService.CreateUpload(projectId, uploadId, a.expires(), null, null, null));
        return new Created(a, objectName, projectId, uploadId);
    }

    /** finishArtifact of an object artifact: the upload id must be the artifact's, and the object finished. */
    public ArtifactRecord finish(String taskId, int runId, String name, String uploadId) {
        ArtifactRecord a = artifacts.find(taskId, runId, name);
        if (!"object".equals(a.storageType())) throw new IllegalArgumentException(a.storageType());
        if (a.present()) return a;
        if (uploadId == null || !uploadId.equals(a.details().path("uploadId").asText())) {
            throw BerthException.input("the uploadId given does not match that of artifact " + name);
        }
        try {
            objects.finished(objectName(taskId, runId, name));
        } catch (BerthException e) {
            if (e.kind() != BerthException.Kind.NOT_FOUND) throw e;
            throw BerthException.input("the object holding the data of artifact " + name
                    + " does not exist or its upload is not finished (call finishUpload first)");
        }
        return tasks.putArtifact(a.withPresent(true, Json.MAPPER.createObjectNode()), existing -> true);
    }
}
