package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.task.TaskRequests;
import dev.berth.core.task.TaskStatus;
import dev.berth.worker.images.ContextArchive;
import dev.berth.worker.images.ImageFolder;
import dev.berth.worker.images.TaskImageLoader;
import dev.berth.worker.scopes.ScopeCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * `berth image build` without `--local`: sends the folder as an object (tar.gz), creates an image-build task whose
 * routes index the result under {@code <namespace>.latest}, {@code .pushdate.<YYYY>.<MM>-<DD>-<HHMMSS>} and
 * {@code .hash.<hash>} (seed 004), follows its log and waits for it.
 */
final class ClusterBuild {

    private static final DateTimeFormatter PUSHDATE = DateTimeFormatter.ofPattern("yyyy.MM-dd-HHmmss").withZone(ZoneOffset.UTC);

    private final BerthClient client;
    private final ImageFolder folder;
    private final String hash;
    private final String namespace;
    private final String taskQueueId;

    ClusterBuild(BerthClient client, ImageFolder folder, String hash, String namespace, String taskQueueId) {
        this.client = client;
        this.folder = folder;
        this.hash = hash;
        this.namespace = namespace;
        this.taskQueueId = taskQueueId;
    }

    /** @return the build task's id once it completed, or null (said why) when it did not */
    String run() throws IOException, InterruptedException {
        String context = "berth/image-contexts/" + hash + ".tar.gz";
        uploadContext(context);
        String taskId = Slugid.nice();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.putObject("imageBuild").put("context", context).put("name", folder.name());
        payload.put("maxRunTime", 3600);
        ObjectNode task = TaskRequests.task(payload, new TaskRequests.Defaults(taskQueueId, now, Duration.ofHours(3),
                "image build " + folder.name(), "builds image " + folder.name() + " (context hash " + hash + ")",
                "berth image build", "https://berth.dev/image-build"));
        task.put("expires", Json.format(now.plus(Duration.ofDays(365))));
        var routes = task.putArray("routes");
        for (String suffix : List.of("latest", "pushdate." + PUSHDATE.format(now), "hash." + hash)) routes.add("index." + namespace + "." + suffix);
        var scopes = task.putArray("scopes");
        scopes.add("object:download:" + context);
        scopes.add(ScopeCheck.imageBuildScope(folder.name()));
        client.queue().createTask(taskId, task);
        System.err.println("image-build task " + taskId + " on " + taskQueueId + " — its log:");
        LogFollower.copy(client, taskId, null, TaskCommand.LIVE_LOG, Duration.ofHours(1), System.err);
        TaskStatus status;
        while (!(status = client.queue().taskStatus(taskId)).state().isResolved()) Thread.sleep(200);
        if (status.state() != dev.berth.core.task.TaskState.COMPLETED) {
            System.err.println("image-build task " + taskId + " ended " + status.state().wire() + "; see its log above");
            return null;
        }
        System.err.println("built: " + TaskImageLoader.BUILT_IMAGE_ARTIFACT + " of task " + taskId + ", indexed at " + namespace
                + ".latest and .hash." + hash);
        return taskId;
    }

    /** The size of the folder's files (what the context archive holds, before compression). */
    private long folderBytes() throws IOException {
        try (var files = Files.walk(folder.dir())) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    /** The folder as a tar.gz object; one already there under this hash is the same folder, and is used as it is. */
    private void uploadContext(String name) throws IOException {
        Path archive = Files.createTempFile("berth-context-", ".tar.gz");
        try {
            try (OutputStream out = Files.newOutputStream(archive)) {
                ContextArchive.write(folder.dir(), out);
            }
            long size = Files.size(archive);
            String uploadId = Slugid.nice();
            Map<String, Object> create = Map.of("projectId", "berth", "uploadId", uploadId,
                    "expires", Json.format(Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS)),
                    "proposedUploadMethods", Map.of("putUrl", Map.of("contentType", "application/gzip", "contentLength", size)));
            JsonNode answer;
            try {
                answer = client.request("PUT", "object", BerthClient.path("/upload/<name>", name), null, create);
            } catch (BerthApiException e) {
                if (e.statusCode() != 409) throw e;
                System.err.println("context " + name + " is there already");
                return;
            }
            JsonNode put = answer.path("uploadMethod").path("putUrl");
            try (InputStream in = UploadProgress.of(Files.newInputStream(archive), size, "sending the context", System.err,
                    UploadProgress.stderrIsTerminal())) {
                client.upload(URI.create(put.path("url").asText()), in, size, "application/gzip");
            }
            client.request("POST", "object", BerthClient.path("/finish-upload/<name>", name), null,
                    Map.of("projectId", "berth", "uploadId", uploadId));
            long folderBytes = folderBytes();
            System.err.printf(java.util.Locale.ROOT, "context sent: %s (%d bytes, the folder's %d bytes compressed %.1f×)%n", name, size,
                    folderBytes, size == 0 ? 0 : (double) folderBytes / size);
        } finally {
            Files.deleteIfExists(archive);
        }
    }
}
