package dev.berth.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedSignalsTest {

    private final KeyedSignals signals = new KeyedSignals();

    @Test
    void awaitTimesOutWithFalseWhenNothingIsSignalled() throws Exception {
        long seen = signals.generation("q");
        assertThat(signals.await("q", seen, Duration.ofMillis(50))).isFalse();
    }

    @Test
    void awaitReturnsAtOnceWhenTheGenerationMovedOnBeforeWaiting() throws Exception {
        long seen = signals.generation("q");
        signals.signal("q");
        assertThat(signals.generation("q")).isEqualTo(seen + 1);
        assertThat(signals.await("q", seen, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void signalOnAnotherQueueDoesNotWakeTheWaiter() throws Exception {
        long seen = signals.generation("q");
        signals.signal("other");
        assertThat(signals.await("q", seen, Duration.ofMillis(50))).isFalse();
    }

    @Test
    void signalWakesAWaitingThread() throws Exception {
        long seen = signals.generation("q");
        CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> {
            try {
                return signals.await("q", seen, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        signals.signal("q");
        assertThat(woken.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void signalAllWakesWaitersOnEveryKnownQueue() throws Exception {
        long seenA = signals.generation("a");
        long seenB = signals.generation("b");
        signals.signalAll();
        assertThat(signals.await("a", seenA, Duration.ZERO)).isTrue();
        assertThat(signals.await("b", seenB, Duration.ZERO)).isTrue();
    }
}
