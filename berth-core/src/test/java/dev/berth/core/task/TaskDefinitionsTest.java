package dev.berth.core.task;

import static dev.berth.core.TestTasks.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TaskDefinitionsTest {

    private static final String TASK_ID = "abcdefghijklmnopqrstuv";
    private static final String DEP_ID = "ZYXWVUTSRQPONMLKJIH-_0";

    private static ObjectNode body() { return TestTasks.body(NOW); }

    private static TaskDefinition parse(ObjectNode body) { return TaskDefinitions.fromRequest(TASK_ID, body); }

    /** Asserts that the edited body is refused as bad input with a message naming {@code field}. */
    private static void assertInputError(Consumer<ObjectNode> edit, String field) {
        ObjectNode b = body();
        edit.accept(b);
        assertThatThrownBy(() -> parse(b))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(BerthException.Kind.INPUT_ERROR))
                .hasMessageContaining(field);
    }

    // ---- defaults

    @Test
    void minimalBodyGetsTaskclusterDefaults() {
        TaskDefinition d = parse(body());
        assertThat(d.schedulerId()).isEqualTo("-");
        assertThat(d.projectId()).isEqualTo("none");
        assertThat(d.taskGroupId()).isEqualTo(TASK_ID);
        assertThat(d.priority()).isEqualTo(Priority.LOWEST);
        assertThat(d.retries()).isEqualTo(5);
        assertThat(d.requires()).isEqualTo(Requires.ALL_COMPLETED);
        assertThat(d.dependencies()).isEmpty();
        assertThat(d.routes()).isEmpty();
        assertThat(d.scopes()).isEmpty();
        assertThat(d.tags()).isEmpty();
        assertThat(d.extra().isObject()).isTrue();
        assertThat(d.extra().size()).isZero();
        assertThat(d.created()).isEqualTo(NOW);
        assertThat(d.deadline()).isEqualTo(NOW.plus(Duration.ofDays(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-03-01T10:20:30.456Z", "2026-03-01T10:20:30.456+00:00", "2026-03-01T11:20:30.456789+01:00",
            "2026-03-01T10:20:30.4561Z"})
    void timestampsInMillisecondsOrAnyIsoOffsetGiveTheSameInstant(String created) {
        ObjectNode b = body();
        b.put("created", created);
        assertThat(parse(b).created()).isEqualTo(java.time.Instant.parse("2026-03-01T10:20:30.456Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T10:20:30.456Z", "2026-03-01T24:00:00.000Z", "2026-03-01T10:20:60.000Z"})
    void impossibleTimestampsInTheMillisecondShapeAreRefused(String created) {
        assertInputError(b -> b.put("created", created), "created must be an ISO-8601 timestamp");
    }

    @Test
    void expiresDefaultsToOneYearAfterTheDeadline() {
        TaskDefinition d = parse(body());
        assertThat(d.expires()).isEqualTo(d.deadline().plus(Duration.ofDays(365)));
    }

    @Test
    void taskQueueIdIsSplitIntoProvisionerIdAndWorkerType() {
        TaskDefinition d = parse(body());
        assertThat(d.taskQueueId()).isEqualTo("berth/test");
        assertThat(d.provisionerId()).isEqualTo("berth");
        assertThat(d.workerType()).isEqualTo("test");
    }

    @Test
    void provisionerIdAndWorkerTypeAreJoinedIntoTaskQueueId() {
        ObjectNode b = body();
        b.remove("taskQueueId");
        b.put("provisionerId", "prov");
        b.put("workerType", "linux");
        TaskDefinition d = parse(b);
        assertThat(d.taskQueueId()).isEqualTo("prov/linux");
        assertThat(d.provisionerId()).isEqualTo("prov");
        assertThat(d.workerType()).isEqualTo("linux");
    }

    @Test
    void givenFieldsOverrideTheDefaults() {
        ObjectNode b = body();
        b.put("schedulerId", "sched");
        b.put("projectId", "proj");
        b.put("taskGroupId", DEP_ID);
        b.put("priority", "very-high");
        b.put("retries", 0);
        b.put("requires", "all-resolved");
        b.putArray("dependencies").add(DEP_ID);
        b.putArray("routes").add("index.a.b");
        b.putArray("scopes").add("queue:x");
        b.putObject("tags").put("kind", "build");
        b.putObject("extra").put("k", 1);
        TaskDefinition d = parse(b);
        assertThat(d.schedulerId()).isEqualTo("sched");
        assertThat(d.projectId()).isEqualTo("proj");
        assertThat(d.taskGroupId()).isEqualTo(DEP_ID);
        assertThat(d.priority()).isEqualTo(Priority.VERY_HIGH);
        assertThat(d.retries()).isZero();
        assertThat(d.requires()).isEqualTo(Requires.ALL_RESOLVED);
        assertThat(d.dependencies()).containsExactly(DEP_ID);
        assertThat(d.routes()).containsExactly("index.a.b");
        assertThat(d.scopes()).containsExactly("queue:x");
        assertThat(d.tags()).containsEntry("kind", "build");
        assertThat(d.extra().get("k").asInt()).isEqualTo(1);
    }

    @Test
    void duplicateDependenciesAreListedOnce() {
        ObjectNode b = body();
        b.putArray("dependencies").add(DEP_ID).add(DEP_ID);
        assertThat(parse(b).dependencies()).containsExactly(DEP_ID);
    }

    @Test
    void normalPriorityIsAnAliasOfLowest() {
        ObjectNode b = body();
        b.put("priority", "normal");
        assertThat(parse(b).priority()).isEqualTo(Priority.LOWEST);
    }

    // ---- errors name the field

    @Test
    void bodyThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> TaskDefinitions.fromRequest(TASK_ID, Json.MAPPER.createArrayNode()))
                .isInstanceOf(BerthException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> TaskDefinitions.fromRequest(TASK_ID, null))
                .isInstanceOf(BerthException.class).hasMessageContaining("JSON object");
    }

    @Test
    void missingTaskQueueIdIsNamed() {
        assertInputError(b -> b.remove("taskQueueId"), "taskQueueId");
    }

    @Test
    void provisionerIdWithoutWorkerTypeIsNamed() {
        assertInputError(b -> {
            b.remove("taskQueueId");
            b.put("provisionerId", "prov");
        }, "taskQueueId is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"noslash", "/worker", "prov/", "a/b/c"})
    void malformedTaskQueueIdIsNamed(String queue) {
        assertInputError(b -> b.put("taskQueueId", queue), "taskQueueId");
    }

    @Test
    void taskQueueIdDisagreeingWithProvisionerIdIsNamed() {
        assertInputError(b -> b.put("provisionerId", "other"), "taskQueueId");
    }

    @Test
    void taskQueueIdThatIsNotAStringIsNamed() {
        assertInputError(b -> b.put("taskQueueId", 7), "taskQueueId must be a string");
    }

    @Test
    void missingCreatedIsNamed() {
        assertInputError(b -> b.remove("created"), "created is required");
    }

    @Test
    void missingDeadlineIsNamed() {
        assertInputError(b -> b.remove("deadline"), "deadline is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomorrow", "2026-03-02", "2026-03-02T12:00:00"})
    void badDeadlineIsNamed(String deadline) {
        assertInputError(b -> b.put("deadline", deadline), "deadline must be an ISO-8601 timestamp");
    }

    @Test
    void deadlineNotAfterCreatedIsNamed() {
        assertInputError(b -> b.put("deadline", Json.format(NOW)), "deadline must be after created");
    }

    @Test
    void deadlineMoreThanFiveDaysAfterCreatedIsNamed() {
        assertInputError(b -> b.put("deadline", Json.format(NOW.plus(Duration.ofDays(5)).plusMillis(1))),
                "deadline may be at most 5 days");
    }

    @Test
    void deadlineExactlyFiveDaysAfterCreatedIsAccepted() {
        ObjectNode b = body();
        b.put("deadline", Json.format(NOW.plus(Duration.ofDays(5))));
        assertThat(parse(b).deadline()).isEqualTo(NOW.plus(Duration.ofDays(5)));
    }

    @Test
    void expiresBeforeDeadlineIsNamed() {
        assertInputError(b -> b.put("expires", Json.format(NOW.plusSeconds(60))), "expires must not be before deadline");
    }

    @Test
    void badExpiresIsNamed() {
        assertInputError(b -> b.put("expires", "never"), "expires must be an ISO-8601 timestamp");
    }

    @Test
    void badPriorityIsNamed() {
        assertInputError(b -> b.put("priority", "urgent"), "priority must be one of");
    }

    @Test
    void badRequiresIsNamed() {
        assertInputError(b -> b.put("requires", "some-completed"), "requires must be");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 50})
    void retriesOutOfRangeIsNamed(int retries) {
        assertInputError(b -> b.put("retries", retries), "retries must be between 0 and 49");
    }

    @Test
    void retriesAtTheBoundsAreAccepted() {
        ObjectNode b = body();
        b.put("retries", 49);
        assertThat(parse(b).retries()).isEqualTo(49);
        b.put("retries", 0);
        assertThat(parse(b).retries()).isZero();
    }

    @Test
    void retriesThatIsNotAnIntegerIsNamed() {
        assertInputError(b -> b.put("retries", 1.5), "retries must be an integer");
        assertInputError(b -> b.put("retries", "3"), "retries must be an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"short", "abcdefghijklmnopqrstuvw", "abcdefghijklmnopqrst!!"})
    void badDependencyIdIsNamed(String dep) {
        assertInputError(b -> b.putArray("dependencies").add(dep), "dependencies: '" + dep + "' is not a task id");
    }

    @Test
    void dependencyThatIsNotAStringIsNamed() {
        assertInputError(b -> b.putArray("dependencies").add(3), "dependencies[0] must be a string");
    }

    @Test
    void dependenciesThatIsNotAnArrayIsNamed() {
        assertInputError(b -> b.put("dependencies", DEP_ID), "dependencies must be an array");
    }

    @Test
    void missingMetadataIsNamed() {
        assertInputError(b -> b.remove("metadata"), "metadata is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "description", "owner", "source"})
    void missingMetadataFieldIsNamed(String field) {
        assertInputError(b -> ((ObjectNode) b.get("metadata")).remove(field), "metadata." + field);
    }

    @Test
    void missingPayloadIsNamed() {
        assertInputError(b -> b.remove("payload"), "payload is required");
    }

    @Test
    void nonObjectPayloadIsNamed() {
        assertInputError(b -> b.putArray("payload").add(1), "payload is required and must be an object");
        assertInputError(b -> b.put("payload", "run this"), "payload is required and must be an object");
    }

    @Test
    void tagValueThatIsNotAStringIsNamed() {
        assertInputError(b -> b.putObject("tags").put("count", 3), "tags.count must be a string");
    }

    @Test
    void tagsThatIsNotAnObjectIsNamed() {
        assertInputError(b -> b.putArray("tags").add("x"), "tags must be an object");
    }

    @Test
    void extraThatIsNotAnObjectIsNamed() {
        assertInputError(b -> b.put("extra", 5), "extra must be an object");
    }

    @Test
    void routeThatIsNotAStringIsNamed() {
        assertInputError(b -> b.putArray("routes").add(true), "routes[0] must be a string");
    }

    // ---- millisecond precision and equality

    @Test
    void timestampsAreTruncatedToMilliseconds() {
        ObjectNode b = body();
        b.put("created", "2026-03-01T12:00:00.123456789Z");
        b.put("deadline", "2026-03-02T12:00:00.999999Z");
        TaskDefinition d = parse(b);
        assertThat(d.created()).isEqualTo(NOW.plusMillis(123));
        assertThat(d.deadline()).isEqualTo(NOW.plus(Duration.ofDays(1)).plusMillis(999));
    }

    @Test
    void timestampsWithAnOffsetAreReadAsTheSameInstant() {
        ObjectNode b = body();
        b.put("created", "2026-03-01T14:00:00.000+02:00");
        assertThat(parse(b).created()).isEqualTo(NOW);
    }

    @Test
    void identicalBodiesCompareEqualEvenWithSubMillisecondTimestamps() {
        ObjectNode b1 = body();
        b1.put("created", "2026-03-01T12:00:00.123456Z");
        ObjectNode b2 = body();
        b2.put("created", "2026-03-01T12:00:00.123Z");
        assertThat(parse(b1)).isEqualTo(parse(b2));
        assertThat(parse(body())).isEqualTo(parse(body()));
    }

    @Test
    void definitionsOfDifferentBodiesDiffer() {
        ObjectNode other = body();
        ((ObjectNode) other.get("payload")).put("command", "false");
        assertThat(parse(body())).isNotEqualTo(parse(other));
    }

    @Test
    void toJsonRoundTripsToAnEqualDefinition() {
        TaskDefinition d = parse(body());
        ObjectNode json = TaskDefinitions.toJson(d);
        assertThat(json.get("created").asText()).isEqualTo("2026-03-01T12:00:00.000Z");
        assertThat(json.get("priority").asText()).isEqualTo("lowest");
        assertThat(json.get("requires").asText()).isEqualTo("all-completed");
        assertThat(TaskDefinitions.fromRequest(TASK_ID, json)).isEqualTo(d);
    }
}
