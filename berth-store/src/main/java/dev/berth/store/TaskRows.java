package dev.berth.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.berth.core.json.Json;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;

/** Reading and binding rows of the tasks table, shared by the store and each database's customization. */
final class TaskRows {

    private static final ObjectReader STATUS_READER = Json.MAPPER.readerFor(TaskStatus.class);
    private static final ObjectReader DEFINITION_READER = Json.MAPPER.readerFor(TaskDefinition.class);

    static final String TASK_COLUMNS = "task_id, task_queue_id, task_group_id, scheduler_id, priority, state,"
            + " taken_until, deadline, expires, definition, status";
    static final String INSERT_TASK = "INSERT INTO tasks (" + TASK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final String UPDATE_STATUS = "UPDATE tasks SET state = ?, taken_until = ?, status = ? WHERE task_id = ?";
    /**
     * {@link #UPDATE_STATUS} only while the stored status is still the one read (parameter 5): a status is
     * written whole by every change, and a task's definition, queue and priority never change, so an equal
     * status text means nothing the transition looked at has changed.
     */
    static final String CAS_STATUS = UPDATE_STATUS + " AND status = ?";

    private TaskRows() {}

    /** Binds parameters 1 to 11 of {@link #INSERT_TASK}. */
    static void bindTaskRow(PreparedStatement ps, TaskRecord task) throws SQLException {
        bindTaskRow(ps, task, 0);
    }

    /** Binds the 11 values of a task row ({@link #TASK_COLUMNS}) as parameters {@code after + 1} to {@code after + 11}. */
    static void bindTaskRow(PreparedStatement ps, TaskRecord task, int after) throws SQLException {
        TaskDefinition def = task.definition();
        TaskStatus status = task.status();
        ps.setString(after + 1, task.taskId());
        ps.setString(after + 2, def.taskQueueId());
        ps.setString(after + 3, def.taskGroupId());
        ps.setString(after + 4, def.schedulerId());
        ps.setInt(after + 5, def.priority().level());
        ps.setString(after + 6, status.state().wire());
        Jdbc.setInstant(ps, after + 7, takenUntil(status.latestRun().orElse(null)));
        Jdbc.setInstant(ps, after + 8, def.deadline());
        Jdbc.setInstant(ps, after + 9, def.expires());
        ps.setString(after + 10, Json.write(def));
        ps.setString(after + 11, Json.write(status));
    }

    /** Binds parameters 1 to 4 of {@link #UPDATE_STATUS} (and of {@link #CAS_STATUS}). */
    static void bindStatusUpdate(PreparedStatement ps, String taskId, TaskStatus s) throws SQLException {
        ps.setString(1, s.state().wire());
        Jdbc.setInstant(ps, 2, takenUntil(s.latestRun().orElse(null)));
        ps.setString(3, Json.write(s));
        ps.setString(4, taskId);
    }

    /** The run whose queue entry the status wants, or null when its latest run is not pending. */
    static Integer pendingRunId(TaskStatus s) {
        Run latest = s.latestRun().orElse(null);
        return latest != null && latest.state() == TaskState.PENDING ? latest.runId() : null;
    }

    static Instant takenUntil(Run latest) {
        return latest != null && latest.state() == TaskState.RUNNING ? latest.takenUntil() : null;
    }

    static TaskDefinition definition(ResultSet rs) throws SQLException {
        return parse(DEFINITION_READER, rs.getString("definition"));
    }

    /** The row's status, decoded now, and its definition, decoded only if someone asks for it. */
    static TaskRecord lazyRecord(String taskId, ResultSet rs) throws SQLException {
        String definitionJson = rs.getString("definition");
        return TaskRecord.lazy(taskId, () -> parse(DEFINITION_READER, definitionJson), status(rs));
    }

    static TaskStatus status(ResultSet rs) throws SQLException {
        return parse(STATUS_READER, rs.getString("status"));
    }

    private static <T> T parse(ObjectReader reader, String json) {
        try {
            return reader.readValue(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored JSON does not parse: " + e.getOriginalMessage(), e);
        }
    }

    static Array idArray(Connection c, Collection<String> ids) throws SQLException {
        return c.createArrayOf("varchar", ids.toArray(String[]::new));
    }
}
