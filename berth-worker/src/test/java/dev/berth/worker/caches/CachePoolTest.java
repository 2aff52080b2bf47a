package dev.berth.worker.caches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachePoolTest {

    private final MutableClock clock = new MutableClock();
    private final AtomicInteger counter = new AtomicInteger();
    private final CachePool pool = new CachePool(clock, () -> "i" + counter.incrementAndGet());

    private CachePool.Lease take(String... names) {
        return pool.acquire(List.of(names));
    }

    private static String volume(CachePool.Lease lease) {
        return lease.picks().get(0).instance().volumeName();
    }

    @Test
    void theFirstTaskGetsANewInstanceAndTheNextOneReusesIt() {
        CachePool.Lease first = take("objdir");
        assertThat(first.picks()).singleElement().satisfies(p -> assertThat(p.fresh()).isTrue());
        pool.release(first, false);

        CachePool.Lease second = take("objdir");
        assertThat(second.picks().get(0).fresh()).isFalse();
        assertThat(volume(second)).isEqualTo(volume(first));
    }

    @Test
    void twoTasksAtOnceNeverShareAnInstance() {
        CachePool.Lease a = take("objdir");
        CachePool.Lease b = take("objdir");

        assertThat(volume(a)).isNotEqualTo(volume(b));
        assertThat(pool.isHeld(volume(a))).isTrue();
        assertThat(pool.isHeld(volume(b))).isTrue();
        assertThat(pool.all()).hasSize(2);
    }

    @Test
    void theMostRecentlyUsedFreeInstanceIsHandedOutFirst() {
        CachePool.Lease a = take("objdir");
        CachePool.Lease b = take("objdir");
        pool.release(b, false);
        clock.advance(Duration.ofMinutes(1));
        pool.release(a, false); // a is now the most recently used

        assertThat(volume(take("objdir"))).isEqualTo(volume(a));
        assertThat(volume(take("objdir"))).isEqualTo(volume(b));
        assertThat(pool.all()).hasSize(2);
    }

    @Test
    void differentCachesAreSeparateAndOneTaskGetsOneInstanceOfEach() {
        CachePool.Lease lease = take("a", "b");
        assertThat(lease.picks()).extracting(p -> p.instance().cacheName()).containsExactly("a", "b");
        pool.release(lease, false);
        assertThat(take("b").picks().get(0).instance().cacheName()).isEqualTo("b");
    }

    @Test
    void purgingOnExitRemovesTheTasksInstances() {
        CachePool.Lease lease = take("objdir", "other");
        List<CacheInstance> removed = pool.release(lease, true);

        assertThat(removed).extracting(CacheInstance::cacheName).containsExactly("objdir", "other");
        assertThat(pool.all()).isEmpty();
        assertThat(take("objdir").picks().get(0).fresh()).isTrue();
    }

    @Test
    void aPurgeRequestRemovesFreeInstancesMadeBeforeIt() {
        CachePool.Lease old = take("objdir");
        pool.release(old, false);
        clock.advance(Duration.ofSeconds(5));

        List<CacheInstance> removed = pool.purge("objdir", clock.instant());
        assertThat(removed).extracting(CacheInstance::volumeName).containsExactly(volume(old));
        CachePool.Lease next = take("objdir");
        assertThat(next.picks().get(0).fresh()).isTrue();
        assertThat(volume(next)).isNotEqualTo(volume(old));
    }

    @Test
    void aPurgeRequestSparesInstancesMadeAfterIt() {
        Instant requested = clock.instant();
        clock.advance(Duration.ofSeconds(1));
        CachePool.Lease young = take("objdir");
        pool.release(young, false);

        assertThat(pool.purge("objdir", requested)).isEmpty();
        assertThat(volume(take("objdir"))).isEqualTo(volume(young));
    }

    @Test
    void aHeldInstanceMadeStaleByAPurgeGoesWhenItsTaskEnds() {
        CachePool.Lease running = take("objdir");
        clock.advance(Duration.ofSeconds(1));
        assertThat(pool.purge("objdir", clock.instant())).isEmpty(); // still mounted

        assertThat(pool.release(running, false)).extracting(CacheInstance::volumeName).containsExactly(volume(running));
        assertThat(pool.all()).isEmpty();
    }

    @Test
    void theSamePurgeRequestSeenAgainChangesNothing() {
        clock.advance(Duration.ofSeconds(1));
        Instant before = clock.instant();
        pool.purge("objdir", before);
        clock.advance(Duration.ofSeconds(1));
        CachePool.Lease fresh = take("objdir");
        pool.release(fresh, false);

        // the poll answers the latest request again (since is inclusive): the new instance stays
        assertThat(pool.purge("objdir", before)).isEmpty();
        assertThat(volume(take("objdir"))).isEqualTo(volume(fresh));
    }

    @Test
    void aPurgeOfOneCacheLeavesOthersAlone() {
        pool.release(take("a"), false);
        pool.release(take("b"), false);
        clock.advance(Duration.ofSeconds(1));

        assertThat(pool.purge("a", clock.instant())).extracting(CacheInstance::cacheName).containsExactly("a");
        assertThat(pool.all()).extracting(CacheInstance::cacheName).containsExactly("b");
    }

    @Test
    void restoredInstancesAreHandedOutByTheirLastUse() {
        Instant t = clock.instant();
        pool.restore(new CacheInstance("v-old", "objdir", t.minusSeconds(100), t.minusSeconds(50)));
        pool.restore(new CacheInstance("v-recent", "objdir", t.minusSeconds(200), t.minusSeconds(10)));

        assertThat(volume(take("objdir"))).isEqualTo("v-recent");
        assertThat(volume(take("objdir"))).isEqualTo("v-old");
    }

    @Test
    void freeInstancesAreListedLeastRecentlyUsedFirst() {
        CachePool.Lease a = take("a");
        CachePool.Lease b = take("b");
        CachePool.Lease c = take("c");
        pool.release(b, false);
        clock.advance(Duration.ofSeconds(1));
        pool.release(a, false);

        assertThat(pool.freeLeastRecentlyUsedFirst()).extracting(CacheInstance::cacheName).containsExactly("b", "a");
        pool.release(c, false);
    }

    @Test
    void volumeNamesAreWhatTheEngineAcceptsAndKeepTheCacheNameReadable() {
        assertThat(CachePool.volumeName("level-3:checkouts v2", "ab12")).isEqualTo("berth-cache-level-3_checkouts_v2-ab12")
                .matches("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
        assertThat(CachePool.volumeName("x".repeat(256), "s")).hasSize("berth-cache-".length() + 64 + 2);
    }
}
