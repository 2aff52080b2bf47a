package dev.berth.worker.retry;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Runs a call to the queue until it succeeds, the queue gives a final answer ({@link FinalAnswer}),
 * or a deadline passes — for a run, its claim's {@code takenUntil}: after that the queue has
 * resolved the run claim-expired and nothing the worker says about it counts any more. Failures
 * are logged through a {@link FailureLog}, so the first one is a WARN.
 */
public final class Retrying {

    /** A call that may fail; a RuntimeException counts like an IOException (the client throws unchecked). */
    @FunctionalInterface
    public interface Call<T> {
        T call() throws IOException;
    }

    /** How the retry waits; tests move a clock instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(Math.max(1, d.toMillis()));
    }

    private final Clock clock;
    private final Sleeper sleeper;
    private final Backoff backoff;
    private final Runnable onRetry;

    public Retrying(Clock clock, Sleeper sleeper, Backoff backoff) {
        this(clock, sleeper, backoff, () -> { });
    }

    /** @param onRetry told before every retry (a counter) */
    public Retrying(Clock clock, Sleeper sleeper, Backoff backoff, Runnable onRetry) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.backoff = backoff;
        this.onRetry = onRetry;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * @param subject what the call is about (a run), for the log
     * @param failures where failures are logged
     * @throws IOException the last failure, when the answer was final or the deadline passed
     */
    public <T> T untilDeadline(Object subject, FailureLog failures, Supplier<Instant> deadline, Call<T> call)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            Exception failure;
            try {
                T result = call.call();
                failures.succeeded(subject);
                return result;
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            if (FinalAnswer.isFinal(failure)) throw asIo(failure);
            Duration pause = backoff.after(attempt);
            Duration left = Duration.between(clock.instant(), deadline.get());
            if (left.compareTo(pause) <= 0) {
                failures.failed(subject, failure, "giving up: the claim ends before another attempt");
                throw asIo(failure);
            }
            failures.failed(subject, failure, "retrying in " + pause.toMillis() + "ms");
            onRetry.run();
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                IOException out = asIo(failure);
                out.addSuppressed(ie);
                throw out;
            }
        }
    }

    private static IOException asIo(Exception e) {
        return e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
}
