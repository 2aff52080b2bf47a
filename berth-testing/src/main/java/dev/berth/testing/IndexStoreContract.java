package dev.berth.testing;

import static dev.berth.testing.TaskFixtures.claimBy;
import static dev.berth.testing.TaskFixtures.definition;
import static dev.berth.testing.TaskFixtures.pendingTask;
import static dev.berth.testing.TaskFixtures.slugId;
import static dev.berth.testing.TaskFixtures.uniqueQueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.index.IndexNamespace;
import dev.berth.core.index.IndexPath;
import dev.berth.core.index.IndexStore;
import dev.berth.core.index.IndexedTask;
import dev.berth.core.store.Page;
import dev.berth.core.store.TaskRecord;
import dev.berth.core.store.TaskStore;
import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskLifecycle;
import dev.berth.core.task.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IndexStore} adapter must have, and the index outbox of the {@link TaskStore} over
 * the same database. Subclasses open both over an empty (or test-private) database and close them afterwards.
 */
public abstract class IndexStoreContract {

    /** An index store and the task store of the same database. */
    public record Stores(IndexStore index, TaskStore tasks) {}

    protected final MutableClock clock = new MutableClock();
    protected IndexStore index;
    protected TaskStore tasks;
    /** A namespace of this test's own, so tests sharing a database do not see each other's entries. */
    protected String root;

    protected abstract Stores newStores() throws Exception;

    @BeforeEach
    void openStores() throws Exception {
        Stores s = newStores();
        index = s.index();
        tasks = s.tasks();
        root = "t" + slugId().replaceAll("[^a-zA-Z0-9]", "").toLowerCase();
    }

    private Instant now() { return clock.instant(); }

    private IndexPath path(String relative) { return IndexPath.parse(root + "." + relative, "path"); }

    private IndexedTask entry(String relative, String taskId, long rank, Duration lives) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("by", taskId);
        return new IndexedTask(path(relative), taskId, rank, data, now().plus(lives));
    }

    private IndexedTask insert(IndexedTask t) {
        return index.insert(t, t.expires().plus(Duration.ofDays(1)), now());
    }

    // ---- insert and find

    @Test
    void anInsertedEntryIsFoundWithItsRankDataAndExpiry() {
        IndexedTask t = entry("app.latest", slugId(), 7, Duration.ofDays(3));
        assertThat(insert(t)).isEqualTo(t);
        assertThat(index.find(t.path(), now())).contains(t);
        assertThat(index.find(path("app.other"), now())).isEmpty();
    }

    @Test
    void aLowerRankDoesNotReplaceTheStoredEntryAndIsAnsweredWithIt() {
        IndexedTask high = entry("x.latest", slugId(), 5, Duration.ofDays(1));
        insert(high);
        IndexedTask low = entry("x.latest", slugId(), 3, Duration.ofDays(1));
        assertThat(insert(low)).isEqualTo(high);
        assertThat(index.find(high.path(), now()).orElseThrow().taskId()).isEqualTo(high.taskId());
    }

    @Test
    void anEqualOrHigherRankReplacesTheStoredEntry() {
        insert(entry("x.latest", slugId(), 5, Duration.ofDays(1)));
        IndexedTask same = entry("x.latest", slugId(), 5, Duration.ofDays(1));
        assertThat(insert(same)).isEqualTo(same);
        IndexedTask higher = entry("x.latest", slugId(), 6, Duration.ofDays(2));
        insert(higher);
        assertThat(index.find(higher.path(), now())).contains(higher);
    }

    @Test
    void anExpiredEntryIsNotFoundAndDoesNotHoldItsPathAgainstALowerRank() {
        IndexedTask old = entry("x.latest", slugId(), 9, Duration.ofHours(1));
        insert(old);
        clock.advance(Duration.ofHours(2));
        assertThat(index.find(old.path(), now())).isEmpty();
        IndexedTask fresh = entry("x.latest", slugId(), 1, Duration.ofDays(1));
        assertThat(insert(fresh)).isEqualTo(fresh);
        assertThat(index.find(old.path(), now())).contains(fresh);
    }

    @Test
    void concurrentInsertsAtOnePathKeepTheHighestRank() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<IndexedTask>> done = new ArrayList<>();
            for (int rank = 0; rank < 24; rank++) {
                IndexedTask t = entry("race.latest", slugId(), (rank * 7) % 24, Duration.ofDays(1));
                done.add(pool.submit(() -> insert(t)));
            }
            for (Future<IndexedTask> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(index.find(path("race.latest"), now()).orElseThrow().rank()).isEqualTo(23);
    }

    // ---- namespaces

    @Test
    void everyNamespaceAboveAnEntryExistsAndExpiresNoEarlierThanIt() {
        IndexedTask t = entry("a.b.c", slugId(), 0, Duration.ofDays(10));
        insert(t);
        IndexNamespace top = only(index.namespacesIn(root, null, 10, now()));
        IndexNamespace a = only(index.namespacesIn(root + ".a", null, 10, now()));
        assertThat(top.path().full()).isEqualTo(root + ".a");
        assertThat(a.path().full()).isEqualTo(root + ".a.b");
        assertThat(a.expires()).isAfterOrEqualTo(t.expires());
        assertThat(index.namespacesIn("", null, 1000, now()).items()).extracting(n -> n.path().name()).contains(root);

        IndexedTask later = entry("a.d", slugId(), 0, Duration.ofDays(40));
        insert(later);
        assertThat(only(index.namespacesIn(root, null, 10, now())).expires()).isAfterOrEqualTo(later.expires());
        // a shorter-lived entry does not shorten its namespaces
        insert(entry("a.e", slugId(), 0, Duration.ofDays(1)));
        assertThat(only(index.namespacesIn(root, null, 10, now())).expires()).isAfterOrEqualTo(later.expires());
    }

    @Test
    void deletingAnEntryKeepsItsNamespaces() {
        IndexedTask t = entry("keep.gone", slugId(), 0, Duration.ofDays(1));
        insert(t);
        assertThat(index.delete(t.path())).isTrue();
        assertThat(index.delete(t.path())).isFalse();
        assertThat(index.find(t.path(), now())).isEmpty();
        assertThat(only(index.namespacesIn(root, null, 10, now())).path().name()).isEqualTo("keep");
    }

    @Test
    void expiredEntriesAndNamespacesAreSweptAndNotListed() {
        insert(entry("short.one", slugId(), 0, Duration.ofHours(1)));
        insert(entry("long.one", slugId(), 0, Duration.ofDays(5)));
        clock.advance(Duration.ofDays(3));
        assertThat(index.tasksIn(root + ".short", null, 10, now()).items()).isEmpty();
        assertThat(index.namespacesIn(root, null, 10, now()).items()).extracting(n -> n.path().name()).containsExactly("long");
        assertThat(index.deleteExpired(now())).isGreaterThanOrEqualTo(2);
        assertThat(index.find(path("short.one"), clock.instant().minus(Duration.ofDays(3)))).isEmpty();
        assertThat(index.find(path("long.one"), now())).isPresent();
    }

    // ---- listings

    @Test
    void tasksInANamespaceArePagedByNameWithOpaqueTokens() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String name = String.format("n%02d", i);
            names.add(name);
            insert(entry("list." + name, slugId(), 0, Duration.ofDays(1)));
        }
        insert(entry("list.deeper.x", slugId(), 0, Duration.ofDays(1))); // in a child namespace: not listed
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Page<IndexedTask> page = index.tasksIn(root + ".list", token, 10, now());
            page.items().forEach(t -> seen.add(t.path().name()));
            token = page.continuationToken();
            pages++;
        } while (token != null);
        assertThat(seen).containsExactlyElementsOf(names);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void namespacesArePagedByName() {
        for (int i = 0; i < 12; i++) insert(entry(String.format("ns%02d.x", i), slugId(), 0, Duration.ofDays(1)));
        Page<IndexNamespace> first = index.namespacesIn(root, null, 5, now());
        Page<IndexNamespace> second = index.namespacesIn(root, first.continuationToken(), 5, now());
        Page<IndexNamespace> third = index.namespacesIn(root, second.continuationToken(), 5, now());
        assertThat(first.items()).extracting(n -> n.path().name()).containsExactly("ns00", "ns01", "ns02", "ns03", "ns04");
        assertThat(second.items()).extracting(n -> n.path().name()).startsWith("ns05");
        assertThat(third.items()).extracting(n -> n.path().name()).containsExactly("ns10", "ns11");
        assertThat(third.continuationToken()).isNull();
    }

    @Test
    void findAllAnswersInTheOrderAskedAndLeavesOutPathsWithoutAnEntry() {
        IndexedTask a = entry("f.a", slugId(), 0, Duration.ofDays(1));
        IndexedTask b = entry("f.b", slugId(), 0, Duration.ofDays(1));
        insert(a);
        insert(b);
        List<IndexPath> asked = new ArrayList<>(List.of(b.path(), path("f.none"), a.path()));
        for (int i = 0; i < 150; i++) asked.add(path("f.missing" + i)); // more than one slice
        asked.add(b.path());
        assertThat(index.findAll(asked, now())).containsExactly(b, a, b);
    }

    // ---- the index outbox of the task store

    private TaskRecord completed(TaskDefinition def) {
        TaskRecord t = pendingTask(def, now());
        assertThat(tasks.insertTask(t)).isTrue();
        tasks.modify(t.taskId(), claimBy("w", now()));
        return tasks.modify(t.taskId(), s -> TaskLifecycle.resolve(s, 0, TaskState.COMPLETED, now())).orElseThrow().after();
    }

    @Test
    void completingATaskWithAnIndexRouteNotesItInTheOutboxUntilRemoved() {
        String queue = uniqueQueue();
        TaskRecord indexed = completed(definition(queue, now()).routes("index." + root + ".done", "other.route").build());
        TaskRecord plain = completed(definition(queue, now()).routes("other.route").build());
        List<String> outbox = tasks.indexOutbox(1000);
        assertThat(outbox).contains(indexed.taskId()).doesNotContain(plain.taskId());
        tasks.removeFromIndexOutbox(indexed.taskId());
        assertThat(tasks.indexOutbox(1000)).doesNotContain(indexed.taskId());
    }

    @Test
    void aFailedTaskIsNotNotedAndADeletedTaskLeavesTheOutbox() {
        String queue = uniqueQueue();
        TaskRecord failed = pendingTask(definition(queue, now()).routes("index." + root + ".f").build(), now());
        tasks.insertTask(failed);
        tasks.modify(failed.taskId(), claimBy("w", now()));
        tasks.modify(failed.taskId(), s -> TaskLifecycle.resolve(s, 0, TaskState.FAILED, now()));
        assertThat(tasks.indexOutbox(1000)).doesNotContain(failed.taskId());

        TaskRecord done = completed(definition(queue, now()).routes("index." + root + ".d").build());
        assertThat(tasks.indexOutbox(1000)).contains(done.taskId());
        tasks.deleteTask(done.taskId());
        assertThat(tasks.indexOutbox(1000)).doesNotContain(done.taskId());
    }

    private static <T> T only(Page<T> page) {
        assertThat(page.items()).hasSize(1);
        return page.items().get(0);
    }
}
