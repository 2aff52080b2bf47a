package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.task.Priority;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskDefinitions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TaskBodiesTest {

    @Test
    void defaultBodyIsAValidCreateTaskRequestRunningTrueInTheTestImage() {
        TaskDefinition def = TaskDefinitions.fromRequest(TaskFixtures.slugId(), TaskBodies.on("p/w").build());
        assertThat(def.taskQueueId()).isEqualTo("p/w");
        assertThat(def.payload().get("image").asText()).isEqualTo(TaskBodies.TEST_IMAGE);
        assertThat(def.payload().get("command").toString()).isEqualTo("[\"true\"]");
        assertThat(Duration.between(def.created(), def.deadline())).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void eachSetterChangesItsFieldOnly() {
        String dep = TaskFixtures.slugId();
        TaskDefinition def = TaskDefinitions.fromRequest(TaskFixtures.slugId(), TaskBodies.on("p/w")
                .shell("echo hi").maxRunTime(5).env("A", "1").artifact("public/x", "file", "/x")
                .dependsOn(dep).scopes("s:1").routes("index.a").retries(2).priority("high").build());
        assertThat(def.payload().get("command").toString()).isEqualTo("[\"sh\",\"-c\",\"echo hi\"]");
        assertThat(def.payload().get("maxRunTime").asInt()).isEqualTo(5);
        assertThat(def.payload().get("env").get("A").asText()).isEqualTo("1");
        assertThat(def.payload().get("artifacts").get("public/x").get("path").asText()).isEqualTo("/x");
        assertThat(def.dependencies()).containsExactly(dep);
        assertThat(def.scopes()).containsExactly("s:1");
        assertThat(def.routes()).containsExactly("index.a");
        assertThat(def.retries()).isEqualTo(2);
        assertThat(def.priority()).isEqualTo(Priority.HIGH);
    }
}
