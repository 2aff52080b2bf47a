package dev.berth.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClaimWakeupsTest {

    private final ClaimWakeups wakeups = new ClaimWakeups();

    @Test
    void awaitTimesOutWithFalseWhenNothingIsSignalled() throws Exception {
        long seen = wakeups.generation("q");
        assertThat(wakeups.await("q", seen, Duration.ofMillis(50))).isFalse();
    }

    @Test
    void awaitReturnsAtOnceWhenASignalCameBetweenLookingAndWaiting() throws Exception {
        long seen = wakeups.generation("q");
        wakeups.signal("q");
        assertThat(wakeups.await("q", seen, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void signalOnAnotherQueueDoesNotWakeTheWaiter() throws Exception {
        long seen = wakeups.generation("q");
        wakeups.signal("other");
        assertThat(wakeups.await("q", seen, Duration.ofMillis(50))).isFalse();
    }

    @Test
    void oneSignalWakesOneOfSeveralWaitersAndEachFurtherSignalOneMore() throws Exception {
        long seen = wakeups.generation("q");
        AtomicInteger woken = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(4);
        List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiters.add(CompletableFuture.supplyAsync(() -> {
                started.countDown();
                try {
                    boolean w = wakeups.await("q", seen, Duration.ofSeconds(3));
                    if (w) woken.incrementAndGet();
                    return w;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        started.await(5, TimeUnit.SECONDS);
        until(() -> waitingOn("q") == 4, 5);

        wakeups.signal("q");
        until(() -> woken.get() == 1, 2);
        assertThat(waitingOn("q")).isEqualTo(3);

        wakeups.signal("q");
        wakeups.signal("q");
        until(() -> woken.get() == 3, 2);

        // the last one was never signalled: it times out
        List<Boolean> results = new ArrayList<>();
        for (CompletableFuture<Boolean> w : waiters) results.add(w.get(10, TimeUnit.SECONDS));
        assertThat(results).containsExactlyInAnyOrder(true, true, true, false);
    }

    /** Polls a condition on real threads (berth-core has no Awaitility). */
    private static void until(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met in " + seconds + " s");
            Thread.sleep(10);
        }
    }

    private int waitingOn(String key) { return wakeups.waiting(key); }
}
