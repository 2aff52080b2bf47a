package dev.berth.worker.run;

import dev.berth.worker.retry.Retrying;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.EngineUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a run rides out an engine that stops answering before its container starts (an outage that began just as
 * the run was claimed): each step that needs the engine is tried again once the engine answers, asked every
 * {@code check} for up to {@code wait} by {@code clock}. Beyond that, or when the run is cancelled, the engine's
 * failure stands (the run is then handed back to the queue).
 */
final class EngineWait {

    private static final Logger LOG = LoggerFactory.getLogger(EngineWait.class);

    /** How long a run whose engine does not answer waits for it by default. */
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(3);

    final Clock clock;
    private final Retrying.Sleeper sleeper;
    private final Duration check;
    private final Duration limit;

    EngineWait(Clock clock, Retrying.Sleeper sleeper, Duration check, Duration wait) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.check = Objects.requireNonNull(check, "check");
        this.limit = Objects.requireNonNull(wait, "wait");
    }

    static EngineWait defaults() {
        return new EngineWait(Clock.systemUTC(), Retrying.Sleeper.REAL, Duration.ofSeconds(2), DEFAULT_WAIT);
    }

    /** One run's view: its engine, whether it was cancelled, where its log lines go, and its name for the worker's log. */
    record For(EngineWait policy, ContainerRuntime runtime, BooleanSupplier cancelled, Consumer<String> taskLog, String run) {

        /** Runs {@code step}; when the engine does not answer, waits for it and tries again, or gives up with its failure. */
        <T> T call(String doing, Supplier<T> step) {
            Instant giveUp = null;
            while (true) {
                try {
                    return step.get();
                } catch (EngineUnavailableException e) {
                    if (cancelled.getAsBoolean()) throw e;
                    if (giveUp == null) {
                        giveUp = policy.clock.instant().plus(policy.limit);
                        LOG.warn("run {}: {}; waiting up to {}s for the engine", run, e.getMessage(), policy.limit.toSeconds());
                        taskLog.accept(e.getMessage() + "; waiting up to " + policy.limit.toSeconds() + "s for it to answer");
                    }
                    await(giveUp, e);
                    taskLog.accept("the Docker engine answers again; " + doing);
                }
            }
        }

        private void await(Instant giveUp, EngineUnavailableException failure) {
            while (true) {
                if (cancelled.getAsBoolean() || !policy.clock.instant().isBefore(giveUp)) throw failure;
                try {
                    policy.sleeper.sleep(policy.check);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw failure;
                }
                try {
                    runtime.ping();
                    return;
                } catch (ContainerRuntimeException stillDown) {
                    LOG.debug("run {}: the engine still does not answer: {}", run, stillDown.getMessage());
                }
            }
        }
    }
}
