package dev.berth.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.queue.MutableClock;
import dev.berth.core.store.Page;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IndexServiceTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final MutableClock clock = new MutableClock(NOW);
    private final IndexService index = new IndexService(new InMemoryIndexStore(), clock);

    private static IndexPath path(String p) { return IndexPath.parse(p, "namespace"); }

    private IndexedTask insert(String p, String taskId, long rank) {
        return index.insert(path(p), taskId, rank, Json.MAPPER.createObjectNode(), NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void pathsFollowTaskclustersNamespaceFormat() {
        assertThat(path("a.b-c.d_e!~*'()%")).isEqualTo(new IndexPath("a.b-c", "d_e!~*'()%"));
        assertThat(path("")).isEqualTo(IndexPath.ROOT);
        for (String bad : List.of("a..b", ".a", "a.", "a/b", "a b", "x".repeat(256))) {
            assertThatThrownBy(() -> path(bad)).isInstanceOf(BerthException.class).hasMessageContaining("namespace");
        }
        assertThat(path("a.b.c").ancestors()).extracting(IndexPath::full).containsExactly("a", "a.b");
    }

    @Test
    void dataOverThirtyTwoKilobytesIsRefusedWithItsSize() {
        ObjectNode big = Json.MAPPER.createObjectNode().put("blob", "x".repeat(33 * 1024));
        assertThatThrownBy(() -> index.insert(path("a.b"), "t", 0, big, NOW.plus(Duration.ofDays(1))))
                .isInstanceOf(BerthException.class).hasMessageContaining("at most 32768");
    }

    @Test
    void aTaskCannotBeIndexedAtTheRoot() {
        assertThatThrownBy(() -> insert("", "t", 0)).isInstanceOf(BerthException.class).hasMessageContaining("empty");
    }

    @Test
    void namespacesExpireAtTheStartOfTheNextUtcDay() {
        assertThat(IndexService.namespaceExpiry(Instant.parse("2026-03-05T13:14:15Z"))).isEqualTo(Instant.parse("2026-03-06T00:00:00Z"));
        insert("proj.app.latest", "t", 0);
        assertThat(index.namespacesIn(path("proj"), null, 10).items().get(0).expires()).isEqualTo(Instant.parse("2026-03-03T00:00:00Z"));
    }

    @Test
    void anExpiredEntryIsNotFound() {
        insert("a.latest", "t1", 0);
        assertThat(index.find(path("a.latest")).taskId()).isEqualTo("t1");
        clock.advance(Duration.ofDays(2));
        assertThatThrownBy(() -> index.find(path("a.latest"))).isInstanceOf(BerthException.class)
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(BerthException.Kind.NOT_FOUND);
        assertThat(index.expire()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void findAllPagesOverTheListAsGiven() {
        List<IndexPath> asked = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            if (i % 2 == 0) insert("f.p" + i, "t" + i, 0);
            asked.add(path("f.p" + i));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            Page<IndexedTask> page = index.findAll(asked, token, 2);
            assertThat(page.items().size()).isLessThanOrEqualTo(2);
            page.items().forEach(t -> seen.add(t.taskId()));
            token = page.continuationToken();
        } while (token != null);
        assertThat(seen).containsExactly("t0", "t2", "t4", "t6");
        assertThatThrownBy(() -> index.findAll(asked, "bm9wZQ", 2)).isInstanceOf(BerthException.class)
                .hasMessageContaining("continuationToken");
    }
}
