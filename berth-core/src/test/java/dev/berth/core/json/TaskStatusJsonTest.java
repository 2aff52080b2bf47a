package dev.berth.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.task.ReasonCreated;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A task status on the wire: Taskcluster's field order, millisecond UTC timestamps, runs without absent fields. */
class TaskStatusJsonTest {

    private static final Instant T = Instant.parse("2026-11-22T11:52:58.120Z");

    @Test
    void statusIsWrittenInTaskclusterFieldOrderWithMillisecondTimestamps() {
        Run resolved = Run.pending(0, ReasonCreated.SCHEDULED, T)
                .claimed("wg", "w\"1", T.plusSeconds(1200), T.plusMillis(5))
                .resolvedAs(TaskState.EXCEPTION, ReasonResolved.WORKER_SHUTDOWN, T.plusSeconds(60));
        Run pending = Run.pending(1, ReasonCreated.RETRY, T.plusSeconds(60));
        TaskStatus s = new TaskStatus("t2", "p", "w", "p/w", "s", "proj", "g", T, Instant.parse("2027-01-01T00:00:00Z"),
                4, TaskState.PENDING, List.of(resolved, pending));

        assertThat(Json.write(s)).isEqualTo("{\"taskId\":\"t2\",\"provisionerId\":\"p\",\"workerType\":\"w\","
                + "\"taskQueueId\":\"p/w\",\"schedulerId\":\"s\",\"projectId\":\"proj\",\"taskGroupId\":\"g\","
                + "\"deadline\":\"2026-11-22T11:52:58.120Z\",\"expires\":\"2027-01-01T00:00:00.000Z\",\"retriesLeft\":4,"
                + "\"state\":\"pending\",\"runs\":["
                + "{\"runId\":0,\"state\":\"exception\",\"reasonCreated\":\"scheduled\",\"reasonResolved\":\"worker-shutdown\","
                + "\"workerGroup\":\"wg\",\"workerId\":\"w\\\"1\",\"takenUntil\":\"2026-11-22T12:12:58.120Z\","
                + "\"scheduled\":\"2026-11-22T11:52:58.120Z\",\"started\":\"2026-11-22T11:52:58.125Z\","
                + "\"resolved\":\"2026-11-22T11:53:58.120Z\"},"
                + "{\"runId\":1,\"state\":\"pending\",\"reasonCreated\":\"retry\",\"scheduled\":\"2026-11-22T11:53:58.120Z\"}]}");
    }

    @Test
    void statusReadsBackEqual() {
        Run running = Run.pending(0, ReasonCreated.SCHEDULED, T).claimed("wg", "w1", T.plusSeconds(1200), T);
        TaskStatus s = new TaskStatus("t1", "p", "w", "p/w", "s", "proj", "g", T, T, 0, TaskState.RUNNING, List.of(running));
        assertThat(Json.read(Json.write(s), TaskStatus.class)).isEqualTo(s);
    }
}
