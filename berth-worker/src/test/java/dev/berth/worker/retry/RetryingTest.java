package dev.berth.worker.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.berth.client.BerthApiException;
import dev.berth.testing.MutableClock;
import dev.berth.worker.LogCapture;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RetryingTest {

    private final MutableClock clock = new MutableClock();
    private final List<Duration> pauses = new ArrayList<>();
    /** Waiting moves the clock: no test here sleeps. */
    private final Retrying retrying = new Retrying(clock, d -> {
        pauses.add(d);
        clock.advance(d);
    }, new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10)));
    private final FailureLog failures = new FailureLog(LoggerFactory.getLogger(RetryingTest.class), "report", clock);
    private final Instant takenUntil = clock.instant().plus(Duration.ofMinutes(20));

    @Test
    void aCallIsRetriedWithGrowingCappedPausesUntilTheQueueIsBack() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        String answer = retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
            if (attempts.incrementAndGet() <= 8) throw new ConnectException("connection refused");
            return "ok";
        });
        assertThat(answer).isEqualTo("ok");
        assertThat(attempts).hasValue(9);
        assertThat(pauses).extracting(Duration::toMillis)
                .containsExactly(250L, 500L, 1000L, 2000L, 4000L, 8000L, 10000L, 10000L);
    }

    @Test
    void aServerAwayForMinutesDoesNotMakeItGiveUpBeforeTheClaimEnds() throws IOException {
        Instant back = clock.instant().plus(Duration.ofMinutes(5));
        String answer = retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
            if (clock.instant().isBefore(back)) throw new ConnectException("connection refused");
            return "delivered";
        });
        assertThat(answer).isEqualTo("delivered");
    }

    @Test
    void itGivesUpOnlyWhenTheClaimEnds() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
            attempts.incrementAndGet();
            throw new ConnectException("connection refused");
        })).isInstanceOf(ConnectException.class);
        assertThat(clock.instant()).isAfter(takenUntil.minus(Duration.ofSeconds(11)));
        assertThat(clock.instant()).isBeforeOrEqualTo(takenUntil);
        assertThat(attempts.get()).isGreaterThan(100);
    }

    @Test
    void aReclaimMovesTheDeadlineOn() throws IOException {
        Instant[] deadline = {clock.instant().plusSeconds(5)};
        AtomicInteger attempts = new AtomicInteger();
        String answer = retrying.untilDeadline("T/0", failures, () -> deadline[0], () -> {
            // a reclaim on another thread renewed the claim meanwhile
            if (attempts.incrementAndGet() == 2) deadline[0] = clock.instant().plusSeconds(600);
            if (clock.instant().isBefore(deadline[0].minusSeconds(560))) throw new ConnectException("refused");
            return "ok";
        });
        assertThat(answer).isEqualTo("ok");
    }

    @Test
    void aFourHundredAnswerIsFinalAndNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
            attempts.incrementAndGet();
            throw new BerthApiException(409, "RequestConflict", "run 0 is not running", "POST", "http://q/completed");
        })).hasMessageContaining("409");
        assertThat(attempts).hasValue(1);
        assertThat(pauses).isEmpty();
    }

    @Test
    void fiveHundredsTimeoutsAndTooManyRequestsAreRetried() {
        assertThat(FinalAnswer.isFinal(new BerthApiException(503, "x", "y", "GET", "u"))).isFalse();
        assertThat(FinalAnswer.isFinal(new BerthApiException(429, "x", "y", "GET", "u"))).isFalse();
        assertThat(FinalAnswer.isFinal(new RefusedException(408, "timeout"))).isFalse();
        assertThat(FinalAnswer.isFinal(new RefusedException(409, "gone"))).isTrue();
        assertThat(FinalAnswer.isFinal(new IOException(new BerthApiException(403, "x", "y", "GET", "u")))).isTrue();
    }

    @Test
    void theFirstFailureIsAWarnTheNextAreQuietAndTheRecoveryIsSaid() throws IOException {
        try (LogCapture log = new LogCapture(RetryingTest.class)) {
            AtomicInteger attempts = new AtomicInteger();
            retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
                if (attempts.incrementAndGet() <= 5) throw new ConnectException("connection refused");
                return null;
            });
            assertThat(log.at(Level.WARN, "report")).hasSize(1);
            assertThat(log.at(Level.DEBUG, "report")).hasSize(4);
            assertThat(log.at(Level.INFO, "works again after 5 failure(s)")).hasSize(1);
        }
    }

    @Test
    void aLongOutageGetsAWarnSummaryAMinuteNotALinePerAttempt() throws IOException {
        try (LogCapture log = new LogCapture(RetryingTest.class)) {
            Instant back = clock.instant().plus(Duration.ofMinutes(5));
            retrying.untilDeadline("T/0", failures, () -> takenUntil, () -> {
                if (clock.instant().isBefore(back)) throw new ConnectException("connection refused");
                return null;
            });
            assertThat(log.at(Level.WARN, "report")).hasSizeBetween(5, 6);
        }
    }
}
