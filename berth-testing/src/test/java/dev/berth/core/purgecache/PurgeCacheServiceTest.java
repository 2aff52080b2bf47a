package dev.berth.core.purgecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.testing.InMemoryPurgeRequestStore;
import dev.berth.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PurgeCacheServiceTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final PurgeCacheService service = new PurgeCacheService(new InMemoryPurgeRequestStore(), clock);

    @Test
    void aPurgeIsSeenByTheWorkersOfItsPoolOnly() {
        service.purge("proj/docker", "objdir");
        assertThat(service.requests("proj/docker", null)).extracting(PurgeRequest::cacheName).containsExactly("objdir");
        assertThat(service.requests("proj/other", null)).isEmpty();
    }

    @Test
    void purgingAgainMovesBeforeToNow() {
        service.purge("proj/docker", "objdir");
        clock.advance(Duration.ofMinutes(5));
        service.purge("proj/docker", "objdir");
        assertThat(service.requests("proj/docker", null)).singleElement()
                .satisfies(r -> assertThat(r.before()).isEqualTo(Instant.parse("2026-01-01T00:05:00Z")));
    }

    @Test
    void sinceLeavesOutRequestsAWorkerHasSeen() {
        service.purge("proj/docker", "old");
        clock.advance(Duration.ofMinutes(1));
        Instant lastPoll = clock.instant();
        service.purge("proj/docker", "new");
        assertThat(service.requests("proj/docker", lastPoll)).extracting(PurgeRequest::cacheName).containsExactly("new");
    }

    @Test
    void requestsExpireAfterADay() {
        service.purge("proj/docker", "objdir");
        clock.advance(PurgeCacheService.KEEP);
        assertThat(service.requests("proj/docker", null)).isEmpty();
        assertThat(service.expire()).isEqualTo(1);
    }

    @Test
    void anEmptyOrOverlongCacheNameIsBadInput() {
        assertThatThrownBy(() -> service.purge("proj/docker", "")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> service.purge("proj/docker", "x".repeat(257))).isInstanceOf(BerthException.class);
    }
}
