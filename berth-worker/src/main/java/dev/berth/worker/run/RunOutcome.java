package dev.berth.worker.run;

import dev.berth.core.task.ReasonResolved;

/**
 * How a run ended, as reported (or, for {@link Resolution#CANCELLED}, not reported).
 *
 * @param exceptionReason set only for {@link Resolution#EXCEPTION}
 * @param exitCode the container's exit code, or null when no container ran to its end
 */
public record RunOutcome(Resolution resolution, ReasonResolved exceptionReason, Long exitCode) {

    public enum Resolution { COMPLETED, FAILED, EXCEPTION, CANCELLED }

    static RunOutcome completed(long exitCode) { return new RunOutcome(Resolution.COMPLETED, null, exitCode); }

    static RunOutcome failed(Long exitCode) { return new RunOutcome(Resolution.FAILED, null, exitCode); }

    static RunOutcome exception(ReasonResolved reason, Long exitCode) { return new RunOutcome(Resolution.EXCEPTION, reason, exitCode); }

    static RunOutcome cancelled() { return new RunOutcome(Resolution.CANCELLED, null, null); }
}
