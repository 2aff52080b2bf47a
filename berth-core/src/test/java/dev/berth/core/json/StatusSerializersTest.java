package dev.berth.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written TaskStatus/Run writers give byte for byte what Jackson's record serializer gives. */
class StatusSerializersTest {

    private static final ObjectMapper REFERENCE = Json.createReflective();
    private static final Instant T = Instant.parse("2026-11-22T11:52:58.123Z");

    private static List<TaskStatus> samples() {
        Run pending = Run.pending(0, ReasonCreated.values()[0], T);
        Run running = pending.claimed("wg", "w\"1\\é", T.plusSeconds(1200), T.plusMillis(5));
        Run resolved = running.resolvedAs(TaskState.EXCEPTION, ReasonResolved.values()[0], T.plusSeconds(60));
        Run bare = new Run(3, null, null, null, null, null, null, null, null, null);
        return List.of(
                new TaskStatus("t1", "p", "w", "p/w", "s", "proj", "g", T, T.plusSeconds(86400), 5,
                        TaskState.UNSCHEDULED, List.of()),
                new TaskStatus("t2", "p", "w", "p/w", "s", "proj", "g", T, T, 0, TaskState.EXCEPTION,
                        List.of(resolved, pending, running)),
                new TaskStatus("t3", null, null, null, null, null, null, null, null, -1, null, List.of(bare)));
    }

    @Test
    void sameTextAsTheReflectiveSerializer() throws Exception {
        for (TaskStatus s : samples()) {
            assertThat(Json.write(s)).isEqualTo(REFERENCE.writeValueAsString(s));
            assertThat(new String(Json.writeBytes(Map.of("status", s)), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(REFERENCE.writeValueAsString(Map.of("status", s)));
            assertThat(Json.MAPPER.valueToTree(s).toString()).isEqualTo(REFERENCE.valueToTree(s).toString());
            for (Run r : s.runs()) assertThat(Json.write(r)).isEqualTo(REFERENCE.writeValueAsString(r));
            assertThat(Json.read(Json.write(s), TaskStatus.class)).isEqualTo(s);
        }
    }
}
