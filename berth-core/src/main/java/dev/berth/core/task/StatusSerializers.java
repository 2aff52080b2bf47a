package dev.berth.core.task;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.time.Instant;

/**
 * Hand-written JSON writers for {@link TaskStatus} and {@link Run}, the objects written on every claim and
 * report (to the database and to the client). They produce exactly what Jackson's reflective record serializer
 * produces from the annotations on those records (field order, nulls in TaskStatus, no nulls in Run) — checked
 * by StatusSerializersTest — without a reflective accessor call per field.
 */
public final class StatusSerializers {

    private StatusSerializers() {}

    public static SimpleModule module() {
        SimpleModule m = new SimpleModule("berth-status");
        m.addSerializer(TaskStatus.class, new StatusSerializer());
        m.addSerializer(Run.class, new RunSerializer());
        return m;
    }

    private static final class StatusSerializer extends StdSerializer<TaskStatus> {
        StatusSerializer() { super(TaskStatus.class); }

        @Override
        public void serialize(TaskStatus s, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartObject(s);
            g.writeStringField("taskId", s.taskId());
            g.writeStringField("provisionerId", s.provisionerId());
            g.writeStringField("workerType", s.workerType());
            g.writeStringField("taskQueueId", s.taskQueueId());
            g.writeStringField("schedulerId", s.schedulerId());
            g.writeStringField("projectId", s.projectId());
            g.writeStringField("taskGroupId", s.taskGroupId());
            instantField(g, "deadline", s.deadline());
            instantField(g, "expires", s.expires());
            g.writeNumberField("retriesLeft", s.retriesLeft());
            g.writeStringField("state", s.state() == null ? null : s.state().wire());
            g.writeArrayFieldStart("runs");
            for (Run r : s.runs()) writeRun(r, g);
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static final class RunSerializer extends StdSerializer<Run> {
        RunSerializer() { super(Run.class); }

        @Override
        public void serialize(Run r, JsonGenerator g, SerializerProvider provider) throws IOException {
            writeRun(r, g);
        }
    }

    private static void writeRun(Run r, JsonGenerator g) throws IOException {
        g.writeStartObject(r);
        g.writeNumberField("runId", r.runId());
        if (r.state() != null) g.writeStringField("state", r.state().wire());
        if (r.reasonCreated() != null) g.writeStringField("reasonCreated", r.reasonCreated().wire());
        if (r.reasonResolved() != null) g.writeStringField("reasonResolved", r.reasonResolved().wire());
        if (r.workerGroup() != null) g.writeStringField("workerGroup", r.workerGroup());
        if (r.workerId() != null) g.writeStringField("workerId", r.workerId());
        if (r.takenUntil() != null) instantField(g, "takenUntil", r.takenUntil());
        if (r.scheduled() != null) instantField(g, "scheduled", r.scheduled());
        if (r.started() != null) instantField(g, "started", r.started());
        if (r.resolved() != null) instantField(g, "resolved", r.resolved());
        g.writeEndObject();
    }

    private static void instantField(JsonGenerator g, String name, Instant value) throws IOException {
        g.writeStringField(name, value == null ? null : Json.format(value));
    }
}
