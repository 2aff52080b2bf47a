package dev.berth.core.queue;

import dev.berth.core.store.ArtifactRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.StatusChange;
import dev.berth.core.store.TaskGroupRecord;
import dev.berth.core.store.TaskGroupRefusedException;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.Run;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A small, faithful in-memory {@link TaskStore} for tests. Every method holds the store's monitor, so each is
 * atomic. The pending queue is derived from each written status (latest run pending ⇒ one entry), ordered by
 * priority level (highest first) then insertion. Listeners registered with {@link #onPending} are told after a
 * write that added a pending entry, outside the monitor.
 */
public final class InMemoryTaskStore implements TaskStore {

    private record Entry(String taskId, int runId, String taskQueueId, int level, long seq) {}

    private static final Comparator<Entry> QUEUE_ORDER =
            Comparator.comparingInt(Entry::level).reversed().thenComparingLong(Entry::seq);

    private final TreeMap<String, TaskRecord> tasks = new TreeMap<>();
    /** required task id → dependent task ids. */
    private final Map<String, TreeSet<String>> dependents = new HashMap<>();
    /** task id → its queue entry, if its latest run is pending. */
    private final Map<String, Entry> queue = new LinkedHashMap<>();
    private final TreeMap<String, ArtifactRecord> artifacts = new TreeMap<>();
    private final Map<String, TaskGroupRecord> groups = new HashMap<>();
    private final java.util.LinkedHashSet<String> indexOutbox = new java.util.LinkedHashSet<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private long seq;

    // ---- tasks

    @Override
    public boolean insertTask(TaskRecord task) {
        String added;
        synchronized (this) {
            if (tasks.containsKey(task.taskId())) return false;
            joinGroup(task.definition());
            tasks.put(task.taskId(), task);
            for (String d : task.definition().dependencies()) {
                dependents.computeIfAbsent(d, k -> new TreeSet<>()).add(task.taskId());
            }
            added = reindex(task);
        }
        notifyPending(added);
        return true;
    }

    @Override
    public synchronized Optional<TaskRecord> findTask(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    @Override
    public synchronized Map<String, TaskState> states(Collection<String> taskIds) {
        Map<String, TaskState> out = new HashMap<>();
        for (String id : taskIds) {
            TaskRecord r = tasks.get(id);
            if (r != null) out.put(id, r.status().state());
        }
        return out;
    }

    @Override
    public Optional<StatusChange> modify(String taskId, UnaryOperator<TaskStatus> transition) {
        StatusChange change;
        String added;
        synchronized (this) {
            TaskRecord before = tasks.get(taskId);
            if (before == null) return Optional.empty();
            TaskStatus next = transition.apply(before.status()); // exceptions propagate, nothing written
            if (next == before.status() || next.equals(before.status())) {
                return Optional.of(new StatusChange(before, before));
            }
            TaskRecord after = before.withStatus(next);
            tasks.put(taskId, after);
            added = reindex(after);
            if (next.state() == TaskState.COMPLETED && before.status().state() != TaskState.COMPLETED
                    && dev.berth.core.index.RouteIndexer.hasIndexRoutes(after.definition())) {
                indexOutbox.add(taskId);
            }
            change = new StatusChange(before, after);
        }
        notifyPending(added);
        return Optional.of(change);
    }

    @Override
    public List<TaskRecord> claimPending(String taskQueueId, int max, UnaryOperator<TaskStatus> transition) {
        List<TaskRecord> out = new ArrayList<>();
        List<String> added = new ArrayList<>();
        synchronized (this) {
            List<Entry> candidates = queue.values().stream()
                    .filter(e -> e.taskQueueId().equals(taskQueueId))
                    .sorted(QUEUE_ORDER)
                    .toList();
            for (Entry e : candidates) {
                if (out.size() >= max) break;
                queue.remove(e.taskId());
                TaskRecord before = tasks.get(e.taskId());
                TaskStatus next;
                try {
                    next = transition.apply(before.status());
                } catch (RuntimeException ex) {
                    continue; // dropped from the queue and skipped
                }
                TaskRecord after = before.withStatus(next);
                tasks.put(after.taskId(), after);
                String a = reindex(after);
                if (a != null) added.add(a);
                out.add(after);
            }
        }
        added.forEach(this::notifyPending);
        return out;
    }

    @Override
    public synchronized Page<String> dependents(String requiredTaskId, String continuationToken, int limit) {
        TreeSet<String> all = dependents.getOrDefault(requiredTaskId, new TreeSet<>());
        Collection<String> from = continuationToken == null ? all : all.tailSet(continuationToken, false);
        return page(new ArrayList<>(from), limit, Function.identity());
    }

    @Override
    public synchronized Page<TaskRecord> taskGroup(String taskGroupId, String continuationToken, int limit) {
        Collection<TaskRecord> from = (continuationToken == null ? tasks : tasks.tailMap(continuationToken, false)).values();
        List<TaskRecord> group = from.stream().filter(r -> r.definition().taskGroupId().equals(taskGroupId)).toList();
        return page(group, limit, TaskRecord::taskId);
    }

    @Override
    public synchronized List<String> indexOutbox(int limit) {
        return indexOutbox.stream().limit(limit).toList();
    }

    @Override
    public synchronized void removeFromIndexOutbox(String taskId) {
        indexOutbox.remove(taskId);
    }

    /** The group's part of insertTask: created, or its expiry moved, or a refusal (nothing written). */
    private void joinGroup(dev.berth.core.task.TaskDefinition def) {
        TaskGroupRecord g = groups.get(def.taskGroupId());
        Instant wanted = def.expires().plus(GROUP_EXPIRY_MARGIN);
        if (g == null) {
            groups.put(def.taskGroupId(), new TaskGroupRecord(def.taskGroupId(), def.schedulerId(), wanted, null));
            return;
        }
        if (g.isSealed() || !g.schedulerId().equals(def.schedulerId())) throw new TaskGroupRefusedException(g);
        if (g.expires().isBefore(def.expires())) groups.put(g.taskGroupId(), new TaskGroupRecord(g.taskGroupId(), g.schedulerId(), wanted, null));
    }

    @Override
    public synchronized Optional<TaskGroupRecord> findTaskGroup(String taskGroupId) {
        return Optional.ofNullable(groups.get(taskGroupId));
    }

    @Override
    public synchronized Optional<TaskGroupRecord> sealTaskGroup(String taskGroupId, Instant now) {
        return Optional.ofNullable(groups.computeIfPresent(taskGroupId, (id, g) ->
                g.isSealed() ? g : new TaskGroupRecord(id, g.schedulerId(), g.expires(), now)));
    }

    @Override
    public synchronized int deleteExpiredTaskGroups(Instant now) {
        int before = groups.size();
        groups.values().removeIf(g -> g.expires().isBefore(now));
        return before - groups.size();
    }

    private static <T> Page<T> page(List<T> items, int limit, Function<T, String> key) {
        if (items.size() <= limit) return new Page<>(items, null);
        List<T> head = items.subList(0, limit);
        return new Page<>(head, key.apply(head.get(limit - 1)));
    }

    @Override
    public synchronized long countPending(String taskQueueId) {
        return queue.values().stream().filter(e -> e.taskQueueId().equals(taskQueueId)).count();
    }

    @Override
    public synchronized long countRunning(String taskQueueId) {
        return tasks.values().stream()
                .filter(r -> r.status().taskQueueId().equals(taskQueueId) && r.status().state() == TaskState.RUNNING)
                .count();
    }

    @Override
    public synchronized Page<TaskRecord> pendingTasks(String taskQueueId, String continuationToken, int limit) {
        List<Entry> entries = queue.values().stream().filter(e -> e.taskQueueId().equals(taskQueueId)).sorted(QUEUE_ORDER).toList();
        int from = 0;
        if (continuationToken != null) {
            String after = new String(java.util.Base64.getUrlDecoder().decode(continuationToken), java.nio.charset.StandardCharsets.UTF_8);
            while (from < entries.size() && !placeOf(entries.get(from)).equals(after)) from++;
            from++;
        }
        List<Entry> rest = entries.subList(Math.min(from, entries.size()), entries.size());
        List<TaskRecord> records = rest.stream().limit(limit).map(e -> tasks.get(e.taskId())).toList();
        String token = rest.size() <= limit ? null : java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(placeOf(rest.get(limit - 1)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Page<>(records, token);
    }

    /** An entry's place in claim order, as the JDBC store's continuation tokens name it. */
    private static String placeOf(Entry e) { return e.level() + ":" + e.seq(); }

    @Override
    public synchronized Page<TaskRecord> claimedTasks(String taskQueueId, String continuationToken, int limit) {
        Collection<TaskRecord> from = (continuationToken == null ? tasks : tasks.tailMap(continuationToken, false)).values();
        return page(from.stream().filter(r -> r.status().taskQueueId().equals(taskQueueId)
                && r.status().state() == TaskState.RUNNING).toList(), limit, TaskRecord::taskId);
    }

    @Override
    public synchronized List<String> expiredClaims(Instant now, int limit) {
        return tasks.values().stream()
                .filter(r -> r.status().latestRun()
                        .filter(run -> run.state() == TaskState.RUNNING && run.takenUntil() != null
                                && run.takenUntil().isBefore(now))
                        .isPresent())
                .map(TaskRecord::taskId).limit(limit).toList();
    }

    @Override
    public synchronized List<String> pastDeadline(Instant now, int limit) {
        return tasks.values().stream()
                .filter(r -> !r.status().state().isResolved() && r.status().deadline().isBefore(now))
                .map(TaskRecord::taskId).limit(limit).toList();
    }

    @Override
    public synchronized List<String> expiredTasks(Instant now, int limit) {
        return tasks.values().stream()
                .filter(r -> r.status().expires().isBefore(now))
                .map(TaskRecord::taskId).limit(limit).toList();
    }

    @Override
    public synchronized void deleteTask(String taskId) {
        TaskRecord r = tasks.remove(taskId);
        queue.remove(taskId);
        indexOutbox.remove(taskId);
        if (r != null) {
            for (String d : r.definition().dependencies()) {
                TreeSet<String> set = dependents.get(d);
                if (set != null) {
                    set.remove(taskId);
                    if (set.isEmpty()) dependents.remove(d);
                }
            }
        }
        artifacts.keySet().removeIf(k -> k.startsWith(taskId + "/"));
    }

    @Override
    public void onPending(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Brings the task's queue entry in line with its status; returns the queue id when an entry was added. */
    private String reindex(TaskRecord r) {
        Optional<Run> latest = r.status().latestRun();
        Entry current = queue.get(r.taskId());
        if (latest.isPresent() && latest.get().state() == TaskState.PENDING) {
            int runId = latest.get().runId();
            if (current != null && current.runId() == runId) return null;
            queue.put(r.taskId(), new Entry(r.taskId(), runId, r.status().taskQueueId(),
                    r.definition().priority().level(), seq++));
            return r.status().taskQueueId();
        }
        queue.remove(r.taskId());
        return null;
    }

    private void notifyPending(String taskQueueId) {
        if (taskQueueId == null) return;
        for (Consumer<String> l : listeners) l.accept(taskQueueId);
    }

    // ---- artifacts

    private static String key(String taskId, int runId, String name) {
        return taskId + "/" + String.format("%05d", runId) + "/" + name;
    }

    @Override
    public synchronized ArtifactRecord putArtifact(ArtifactRecord artifact, Predicate<ArtifactRecord> replaceIf) {
        String k = key(artifact.taskId(), artifact.runId(), artifact.name());
        ArtifactRecord existing = artifacts.get(k);
        if (existing == null || replaceIf.test(existing)) {
            artifacts.put(k, artifact);
            return artifact;
        }
        return existing;
    }

    @Override
    public synchronized Optional<ArtifactRecord> findArtifact(String taskId, int runId, String name) {
        return Optional.ofNullable(artifacts.get(key(taskId, runId, name)));
    }

    @Override
    public synchronized Page<ArtifactRecord> artifacts(String taskId, int runId, String continuationToken, int limit) {
        String prefix = key(taskId, runId, "");
        List<ArtifactRecord> run = artifacts.tailMap(prefix, true).entrySet().stream()
                .takeWhile(e -> e.getKey().startsWith(prefix))
                .map(Map.Entry::getValue)
                .filter(a -> continuationToken == null || a.name().compareTo(continuationToken) > 0)
                .toList();
        return page(run, limit, ArtifactRecord::name);
    }

    @Override
    public synchronized List<ArtifactRecord> expiredArtifacts(Instant now, int limit) {
        return artifacts.values().stream().filter(a -> a.expires().isBefore(now)).limit(limit).toList();
    }

    @Override
    public synchronized void deleteArtifact(String taskId, int runId, String name) {
        artifacts.remove(key(taskId, runId, name));
    }

    @Override
    public void close() {}
}
