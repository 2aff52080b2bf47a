package dev.berth.worker;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the worker counts about its background calls, said in its log at shutdown: retries of
 * reports and other calls about runs, and live log bytes given up.
 */
public final class WorkerCounters {

    final LongAdder callRetries = new LongAdder();
    final LongAdder liveLogBytesDropped = new LongAdder();
    final LongAdder statusPollFailures = new LongAdder();
    final LongAdder reclaimFailures = new LongAdder();

    public long callRetries() { return callRetries.sum(); }

    public long liveLogBytesDropped() { return liveLogBytesDropped.sum(); }

    public long statusPollFailures() { return statusPollFailures.sum(); }

    public long reclaimFailures() { return reclaimFailures.sum(); }

    @Override
    public String toString() {
        return "report/call retries " + callRetries() + ", live log bytes dropped " + liveLogBytesDropped()
                + ", status poll failures " + statusPollFailures() + ", reclaim failures " + reclaimFailures();
    }
}
