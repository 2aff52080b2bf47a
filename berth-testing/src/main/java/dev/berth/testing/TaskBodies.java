package dev.berth.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.task.TaskRequests;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one builder of createTask request bodies for tests in every module: a valid docker-worker task that
 * runs {@code true} in {@code berth-test/busybox:latest}, created now, deadline in an hour; each setter
 * changes one thing. Built on {@link TaskRequests}, the builder the CLI and the job API use.
 *
 * <pre>ObjectNode body = TaskBodies.on(queue).shell("echo hi; exit 3").maxRunTime(30).build();</pre>
 */
public final class TaskBodies {

    /** The image the project's scripts build locally (scripts/test-images.sh). */
    public static final String TEST_IMAGE = "berth-test/busybox:latest";

    private TaskBodies() {}

    public static Builder on(String taskQueueId) {
        return new Builder(taskQueueId);
    }

    public static final class Builder {
        private final String taskQueueId;
        private Instant created = Instant.now();
        private Duration deadlineAfter = Duration.ofHours(1);
        private Instant expires;
        private String image = TEST_IMAGE;
        private List<String> command = List.of("true");
        private int maxRunTime = 60;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, ObjectNode> artifacts = new LinkedHashMap<>();
        private final List<String> dependencies = new ArrayList<>();
        private final List<String> scopes = new ArrayList<>();
        private final List<String> routes = new ArrayList<>();
        private String taskGroupId;
        private String schedulerId;
        private Integer retries;
        private String priority;
        private String name = "test task";
        private ObjectNode payload;

        private Builder(String taskQueueId) {
            this.taskQueueId = taskQueueId;
        }

        public Builder created(Instant at) { this.created = at; return this; }

        public Builder deadlineAfter(Duration after) { this.deadlineAfter = after; return this; }

        public Builder expires(Instant at) { this.expires = at; return this; }

        public Builder image(String image) { this.image = image; return this; }

        public Builder command(String... command) { this.command = List.of(command); return this; }

        /** Runs {@code script} with {@code sh -c}. */
        public Builder shell(String script) { return command("sh", "-c", script); }

        public Builder maxRunTime(int seconds) { this.maxRunTime = seconds; return this; }

        public Builder env(String name, String value) { env.put(name, value); return this; }

        /** A file ({@code type} "file") or directory artifact copied from {@code path} after the run. */
        public Builder artifact(String name, String type, String path) {
            ObjectNode a = dev.berth.core.json.Json.MAPPER.createObjectNode().put("type", type).put("path", path);
            artifacts.put(name, a);
            return this;
        }

        public Builder dependsOn(String... taskIds) { dependencies.addAll(List.of(taskIds)); return this; }

        public Builder scopes(String... scopes) { this.scopes.addAll(List.of(scopes)); return this; }

        public Builder routes(String... routes) { this.routes.addAll(List.of(routes)); return this; }

        public Builder taskGroupId(String id) { this.taskGroupId = id; return this; }

        public Builder schedulerId(String id) { this.schedulerId = id; return this; }

        public Builder retries(int retries) { this.retries = retries; return this; }

        public Builder priority(String priority) { this.priority = priority; return this; }

        public Builder name(String name) { this.name = name; return this; }

        /** A payload of another kind (or a malformed one) instead of the docker-worker payload built here. */
        public Builder payload(ObjectNode payload) { this.payload = payload; return this; }

        public ObjectNode build() {
            ObjectNode p = payload != null ? payload.deepCopy() : TaskRequests.dockerPayload(image, command, maxRunTime, env);
            if (payload == null && !artifacts.isEmpty()) {
                ObjectNode out = p.putObject("artifacts");
                artifacts.forEach(out::set);
            }
            Instant now = created.truncatedTo(ChronoUnit.MILLIS);
            ObjectNode body = TaskRequests.task(p, new TaskRequests.Defaults(taskQueueId, now, deadlineAfter, name,
                    "a task made by a Berth test", "tests@berth.dev", "https://berth.dev/tests"));
            if (expires != null) body.put("expires", dev.berth.core.json.Json.format(expires));
            if (taskGroupId != null) body.put("taskGroupId", taskGroupId);
            if (schedulerId != null) body.put("schedulerId", schedulerId);
            if (retries != null) body.put("retries", retries);
            if (priority != null) body.put("priority", priority);
            putArray(body, "dependencies", dependencies);
            putArray(body, "scopes", scopes);
            putArray(body, "routes", routes);
            return body;
        }

        private static void putArray(ObjectNode body, String field, List<String> values) {
            if (values.isEmpty()) return;
            ArrayNode a = body.putArray(field);
            values.forEach(a::add);
        }
    }
}
