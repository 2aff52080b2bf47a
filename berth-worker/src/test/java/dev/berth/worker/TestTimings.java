package dev.berth.worker;

import java.time.Duration;

/** Worker timings for the tests that are not about the default ones. */
public final class TestTimings {

    private TestTimings() {}

    /**
     * {@link Worker.Timing#DEFAULT} with claim polls of 1 s instead of 5 s. Shutdown waits for the claim poll in
     * flight, so an idle worker took up to 5 s to stop at the end of every test; a poll that finds work still
     * returns at once. Everything else (status polls, backoffs, engine checks and waits) keeps its default.
     */
    public static final Worker.Timing SHORT_CLAIM_POLLS = shortClaimPolls();

    private static Worker.Timing shortClaimPolls() {
        Worker.Timing d = Worker.Timing.DEFAULT;
        return new Worker.Timing(Duration.ofSeconds(1), d.statusPoll(), d.diskCheck(), d.errorBackoff(),
                d.minReclaimDelay(), d.engineCheck(), d.maxBackoff(), d.engineWait());
    }
}
