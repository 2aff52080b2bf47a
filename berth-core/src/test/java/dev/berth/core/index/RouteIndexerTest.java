package dev.berth.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.TestTasks;
import dev.berth.core.json.Json;
import dev.berth.core.queue.Claim;
import dev.berth.core.queue.InMemoryTaskStore;
import dev.berth.core.queue.MutableClock;
import dev.berth.core.queue.QueueService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RouteIndexerTest {

    private static final Instant NOW = TestTasks.NOW;
    private final MutableClock clock = new MutableClock(NOW);
    private final InMemoryTaskStore tasks = new InMemoryTaskStore();
    private final QueueService queue = new QueueService(tasks, clock, Duration.ofMinutes(20));
    private final IndexService index = new IndexService(new InMemoryIndexStore(), clock);
    private final RouteIndexer indexer = new RouteIndexer(tasks, index);

    private String create(Consumer<ObjectNode> edit) {
        String id = TestTasks.newTaskId();
        ObjectNode body = TestTasks.body(NOW);
        edit.accept(body);
        queue.createTask(id, TestTasks.definition(id, body));
        return id;
    }

    private void complete(String taskId) throws InterruptedException {
        List<Claim> claims = queue.claimWork("berth/test", "wg", "w1", 10, Duration.ZERO);
        Claim c = claims.stream().filter(x -> x.taskId().equals(taskId)).findFirst().orElseThrow();
        queue.reportCompleted(taskId, c.runId());
    }

    private IndexedTask found(String path) { return index.find(IndexPath.parse(path, "path")); }

    @Test
    void aCompletedTaskIsIndexedUnderEachIndexRouteAtOnceWithItsExtraIndexOptions() throws Exception {
        queue.onCompleted(indexer::indexNow);
        String id = create(b -> {
            b.putArray("routes").add("index.proj.app.latest").add("index.proj.app.rev.abc").add("notify.email.x");
            ObjectNode opts = b.putObject("extra").putObject("index");
            opts.put("rank", 1700000000L).put("expires", "2026-06-01T00:00:00.000Z");
            opts.putObject("data").put("revision", "abc");
        });
        complete(id);
        for (String p : List.of("proj.app.latest", "proj.app.rev.abc")) {
            IndexedTask t = found(p);
            assertThat(t.taskId()).isEqualTo(id);
            assertThat(t.rank()).isEqualTo(1700000000L);
            assertThat(t.data().path("revision").asText()).isEqualTo("abc");
            assertThat(t.expires()).isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
        }
        assertThat(tasks.indexOutbox(10)).isEmpty();
    }

    @Test
    void withoutOptionsTheRankIsZeroTheDataEmptyAndTheExpiryTheTasks() throws Exception {
        queue.onCompleted(indexer::indexNow);
        String id = create(b -> {
            b.putArray("routes").add("index.plain.x");
            b.put("expires", Json.format(NOW.plus(Duration.ofDays(9))));
        });
        complete(id);
        IndexedTask t = found("plain.x");
        assertThat(t.rank()).isZero();
        assertThat(t.data().isEmpty()).isTrue();
        assertThat(t.expires()).isEqualTo(NOW.plus(Duration.ofDays(9)));
    }

    @Test
    void aCompletionTheServerDidNotIndexBeforeDyingIsIndexedByTheNextDrain() throws Exception {
        // no listener: as if the server died right after the completing transaction committed
        String id = create(b -> b.putArray("routes").add("index.crash.latest"));
        complete(id);
        assertThatThrownBy(() -> found("crash.latest")).isInstanceOf(BerthException.class);
        assertThat(tasks.indexOutbox(10)).containsExactly(id);
        assertThat(indexer.drain()).isEqualTo(1);
        assertThat(found("crash.latest").taskId()).isEqualTo(id);
        assertThat(indexer.drain()).isZero();
    }

    @Test
    void onlyCompletedTasksAreIndexed() throws Exception {
        queue.onCompleted(indexer::indexNow);
        String id = create(b -> b.putArray("routes").add("index.failed.latest"));
        Claim c = queue.claimWork("berth/test", "wg", "w1", 1, Duration.ZERO).get(0);
        queue.reportFailed(id, c.runId());
        assertThat(tasks.indexOutbox(10)).isEmpty();
        assertThatThrownBy(() -> found("failed.latest")).isInstanceOf(BerthException.class);
    }

    @Test
    void badOptionsIndexNothingAndBadRoutesAreSkipped() throws Exception {
        queue.onCompleted(indexer::indexNow);
        String badRank = create(b -> {
            b.putArray("routes").add("index.bad.rank");
            b.putObject("extra").putObject("index").put("rank", "high");
        });
        complete(badRank);
        assertThatThrownBy(() -> found("bad.rank")).isInstanceOf(BerthException.class);
        assertThat(tasks.indexOutbox(10)).isEmpty();

        String mixed = create(b -> b.putArray("routes").add("index.bad..route").add("index.good.route"));
        complete(mixed);
        assertThat(found("good.route").taskId()).isEqualTo(mixed);
    }
}
