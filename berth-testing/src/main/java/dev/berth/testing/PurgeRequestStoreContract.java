package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.purgecache.PurgeRequest;
import dev.berth.core.purgecache.PurgeRequestStore;
import dev.berth.core.store.Page;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link PurgeRequestStore} adapter must have; {@link #newStore()} gives an empty one. */
public abstract class PurgeRequestStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected PurgeRequestStore store;

    protected abstract PurgeRequestStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    private PurgeRequest request(String pool, String cache) {
        Instant now = clock.instant();
        return new PurgeRequest(pool, cache, now, now.plus(Duration.ofDays(1)));
    }

    @Test
    void aStoredRequestIsFoundForItsPoolWithEveryField() {
        PurgeRequest r = request("proj/docker", "objdir");
        store.put(r);

        assertThat(store.forPool("proj/docker", clock.instant())).containsExactly(r);
        assertThat(store.forPool("proj/other", clock.instant())).isEmpty();
    }

    @Test
    void aSecondRequestForTheSameCacheReplacesTheFirst() {
        store.put(request("proj/docker", "objdir"));
        clock.advance(Duration.ofMinutes(3));
        PurgeRequest later = request("proj/docker", "objdir");
        store.put(later);

        assertThat(store.forPool("proj/docker", clock.instant())).containsExactly(later);
    }

    @Test
    void expiredRequestsAreNotListedAndAreDeletedByExpire() {
        store.put(request("proj/docker", "old"));
        clock.advance(Duration.ofHours(12));
        PurgeRequest young = request("proj/docker", "young");
        store.put(young);
        clock.advance(Duration.ofHours(12));

        assertThat(store.forPool("proj/docker", clock.instant())).containsExactly(young);
        assertThat(store.all(clock.instant(), null, 10).items()).containsExactly(young);
        assertThat(store.expire(clock.instant())).isEqualTo(1);
        assertThat(store.expire(clock.instant())).isZero();
    }

    @Test
    void allPagesThroughEveryPoolInOrder() {
        for (String pool : List.of("b/pool", "a/pool")) {
            for (String cache : List.of("c2", "c1", "c3")) store.put(request(pool, cache));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Page<PurgeRequest> page = store.all(clock.instant(), token, 4);
            page.items().forEach(r -> seen.add(r.workerPoolId() + ":" + r.cacheName()));
            token = page.continuationToken();
            pages++;
        } while (token != null);

        assertThat(seen).containsExactly("a/pool:c1", "a/pool:c2", "a/pool:c3", "b/pool:c1", "b/pool:c2", "b/pool:c3");
        assertThat(pages).isEqualTo(2);
    }

    @Test
    void cacheNamesKeepEveryCharacter() {
        PurgeRequest r = request("proj/docker", "level-3:checkouts v2 é");
        store.put(r);
        assertThat(store.forPool("proj/docker", clock.instant())).containsExactly(r);
    }
}
