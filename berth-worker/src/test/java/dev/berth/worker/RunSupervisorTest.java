package dev.berth.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunSupervisorTest {

    /** Production timing: reclaims at least 1 s apart, backoff capped at 10 s. */
    private final RunSupervisor supervisor = new RunSupervisor(new FakeWorkQueue(), Worker.Timing.DEFAULT,
            new MutableClock(), new WorkerCounters());

    @AfterEach
    void close() {
        supervisor.close();
    }

    @Test
    void aHealthyClaimIsRenewedAtHalfOfWhatIsLeft() {
        assertThat(supervisor.reclaimDelay(Duration.ofMinutes(20), 0)).isEqualTo(Duration.ofMinutes(10));
        assertThat(supervisor.reclaimDelay(Duration.ofSeconds(6), 0)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aFailedReclaimIsRetriedWithBackoffNotHalfTheClaimLater() {
        // ten minutes left: the next try comes after the backoff, not after five minutes
        assertThat(supervisor.reclaimDelay(Duration.ofMinutes(10), 1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(supervisor.reclaimDelay(Duration.ofMinutes(10), 2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(supervisor.reclaimDelay(Duration.ofMinutes(10), 9)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aRetryNeverComesLaterThanHalfOfWhatIsLeftNorCloserThanTheMinimum() {
        assertThat(supervisor.reclaimDelay(Duration.ofSeconds(8), 9)).isEqualTo(Duration.ofSeconds(4));
        assertThat(supervisor.reclaimDelay(Duration.ofMillis(500), 3)).isEqualTo(Duration.ofSeconds(1));
        assertThat(supervisor.reclaimDelay(Duration.ofSeconds(-5), 0)).isEqualTo(Duration.ofSeconds(1));
    }
}
