package dev.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Priority;
import dev.berth.core.task.Requires;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Small builders for task definitions and records in tests; every default is valid and filled in. */
public final class TaskFixtures {

    private TaskFixtures() {}

    /** A fresh Taskcluster-style slugid (22 characters of base64url). */
    public static String slugId() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** A queue id unique to one test, so tests sharing a database do not see each other's work. */
    public static String uniqueQueue() {
        return "test-prov/w" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    /** Starts a definition on {@code taskQueueId} ({@code provisionerId/workerType}), created at {@code now}. */
    public static DefinitionBuilder definition(String taskQueueId, Instant now) {
        return new DefinitionBuilder(taskQueueId, now);
    }

    public static DefinitionBuilder definition(String taskQueueId) {
        return definition(taskQueueId, MutableClock.DEFAULT_START);
    }

    /** A task as createTask stores it: pending when nothing holds it back, else unscheduled. */
    public static TaskRecord task(String taskId, TaskDefinition def, boolean dependenciesSatisfied, Instant now) {
        return new TaskRecord(taskId, def, TaskLifecycle.created(taskId, def, dependenciesSatisfied, now));
    }

    public static TaskRecord pendingTask(TaskDefinition def, Instant now) {
        return task(slugId(), def, true, now);
    }

    public static TaskRecord unscheduledTask(TaskDefinition def, Instant now) {
        return task(slugId(), def, false, now);
    }

    /** A claim transition of the latest run, as claimWork applies it. */
    public static java.util.function.UnaryOperator<TaskStatus> claimBy(String workerId, Instant now) {
        return s -> TaskLifecycle.claim(s, s.runs().size() - 1, "test-group", workerId, now.plus(Duration.ofMinutes(20)), now);
    }

    public static ArtifactRecord artifact(String taskId, int runId, String name, Instant expires) {
        ObjectNode details = JsonNodeFactory.instance.objectNode().put("size", 0);
        return new ArtifactRecord(taskId, runId, name, "object", "text/plain", expires, false,
                "t/" + taskId + "/" + runId + "/" + name, details);
    }

    public static final class DefinitionBuilder {
        private final String taskQueueId;
        private String schedulerId = "-";
        private String projectId = "none";
        private String taskGroupId = slugId();
        private List<String> dependencies = List.of();
        private Requires requires = Requires.ALL_COMPLETED;
        private Priority priority = Priority.LOWEST;
        private int retries = 5;
        private Instant created;
        private Instant deadline;
        private Instant expires;
        private JsonNode payload = JsonNodeFactory.instance.objectNode();
        private List<String> routes = List.of();
        private JsonNode extra = JsonNodeFactory.instance.objectNode();

        private DefinitionBuilder(String taskQueueId, Instant now) {
            if (taskQueueId.indexOf('/') < 1) {
                throw new IllegalArgumentException("taskQueueId must be provisionerId/workerType, got " + taskQueueId);
            }
            this.taskQueueId = taskQueueId;
            this.created = now;
            this.deadline = now.plus(Duration.ofDays(1));
            this.expires = now.plus(Duration.ofDays(30));
        }

        public DefinitionBuilder schedulerId(String v) { schedulerId = v; return this; }
        public DefinitionBuilder projectId(String v) { projectId = v; return this; }
        public DefinitionBuilder taskGroupId(String v) { taskGroupId = v; return this; }
        public DefinitionBuilder dependencies(String... v) { dependencies = List.of(v); return this; }
        public DefinitionBuilder requires(Requires v) { requires = v; return this; }
        public DefinitionBuilder priority(Priority v) { priority = v; return this; }
        public DefinitionBuilder retries(int v) { retries = v; return this; }
        public DefinitionBuilder created(Instant v) { created = v; return this; }
        public DefinitionBuilder deadline(Instant v) { deadline = v; return this; }
        public DefinitionBuilder expires(Instant v) { expires = v; return this; }
        public DefinitionBuilder payload(JsonNode v) { payload = v; return this; }
        public DefinitionBuilder routes(String... v) { routes = List.of(v); return this; }
        public DefinitionBuilder extra(JsonNode v) { extra = v; return this; }

        public TaskDefinition build() {
            int slash = taskQueueId.indexOf('/');
            ObjectNode metadata = JsonNodeFactory.instance.objectNode()
                    .put("name", "test task").put("description", "made by TaskFixtures")
                    .put("owner", "tests@example.com").put("source", "https://example.com/tests");
            return new TaskDefinition(taskQueueId.substring(0, slash), taskQueueId.substring(slash + 1), taskQueueId,
                    schedulerId, projectId, taskGroupId, dependencies, requires, routes, priority, retries,
                    created, deadline, expires, List.of(), payload, metadata, Map.of(), extra);
        }
    }
}
