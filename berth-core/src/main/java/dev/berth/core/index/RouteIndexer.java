package dev.berth.core.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskState;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes completed tasks under their {@code index.<namespace>} routes, with rank, data and expiry from
 * {@code task.extra.index} (defaults: rank 0, data {}, the task's expiry).
 *
 * <p>Nothing is lost when a server dies between completing a task and indexing it: the store records the
 * completion of a task with index routes in an outbox, in the transaction that completes it; {@link #drain}
 * (right after the completion, and on every sweep of every server) indexes what the outbox holds and only then
 * removes it. Indexing again is harmless: the same entry is written twice.
 */
public final class RouteIndexer {

    private static final Logger LOG = LoggerFactory.getLogger(RouteIndexer.class);
    public static final String ROUTE_PREFIX = "index.";
    private static final int BATCH = 100;

    private final TaskStore tasks;
    private final IndexService index;

    public RouteIndexer(TaskStore tasks, IndexService index) {
        this.tasks = tasks;
        this.index = index;
    }

    /** Whether the store should note this task's completion for indexing. */
    public static boolean hasIndexRoutes(TaskDefinition def) {
        for (String route : def.routes()) if (route.startsWith(ROUTE_PREFIX)) return true;
        return false;
    }

    /** What a completed task is indexed as; invalid routes and options are logged and left out. */
    public record Entry(IndexPath path, long rank, ObjectNode data, Instant expires) {}

    public static List<Entry> entriesOf(String taskId, TaskDefinition def) {
        JsonNode options = def.extra() == null ? null : def.extra().path("index");
        long rank = 0;
        ObjectNode data = Json.MAPPER.createObjectNode();
        Instant expires = def.expires();
        if (options != null && options.isObject()) {
            JsonNode r = options.get("rank");
            if (r != null) {
                if (!r.isIntegralNumber() && !(r.isNumber() && r.asDouble() == Math.rint(r.asDouble()))) {
                    LOG.warn("task {} not indexed: extra.index.rank must be a whole number; got {}", taskId, r);
                    return List.of();
                }
                rank = r.asLong();
            }
            JsonNode d = options.get("data");
            if (d != null) {
                if (!d.isObject()) {
                    LOG.warn("task {} not indexed: extra.index.data must be an object; got {}", taskId, d.getNodeType());
                    return List.of();
                }
                data = (ObjectNode) d;
            }
            JsonNode e = options.get("expires");
            if (e != null) {
                try {
                    expires = Instant.parse(e.asText());
                } catch (DateTimeParseException ex) {
                    LOG.warn("task {} not indexed: extra.index.expires must be a date-time; got '{}'", taskId, e.asText());
                    return List.of();
                }
            }
        }
        List<Entry> out = new ArrayList<>();
        for (String route : def.routes()) {
            if (!route.startsWith(ROUTE_PREFIX)) continue;
            String namespace = route.substring(ROUTE_PREFIX.length());
            try {
                out.add(new Entry(IndexPath.parse(namespace, "route " + route), rank, data, expires));
            } catch (BerthException ex) {
                LOG.warn("task {}: route {} not indexed: {}", taskId, route, ex.getMessage());
            }
        }
        return out;
    }

    /** Indexes a task right after its completion; when that fails, the outbox keeps it for the next sweep. */
    public void indexNow(TaskRecord completed) {
        if (!hasIndexRoutes(completed.definition())) return;
        try {
            index(completed.taskId());
        } catch (RuntimeException e) {
            LOG.warn("indexing completed task {} failed; the next sweep tries again: {}", completed.taskId(), e.toString());
        }
    }

    /** Indexes every completion the outbox holds. @return how many tasks were indexed */
    public int drain() {
        int done = 0;
        List<String> pending;
        do {
            pending = tasks.indexOutbox(BATCH);
            for (String taskId : pending) {
                index(taskId);
                done++;
            }
        } while (pending.size() == BATCH);
        return done;
    }

    private void index(String taskId) {
        Optional<TaskRecord> task = tasks.findTask(taskId);
        if (task.isPresent() && task.get().status().state() == TaskState.COMPLETED) {
            TaskDefinition def = task.get().definition();
            for (Entry e : entriesOf(taskId, def)) {
                index.insert(e.path(), taskId, e.rank(), e.data(), e.expires());
            }
        }
        // a task that expired meanwhile (or was rerun and is no longer completed) has nothing to index
        tasks.removeFromIndexOutbox(taskId);
    }
}
