package dev.berth.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What the worker counts about its background calls, said in its log at shutdown and exported in
 * Prometheus text: on the worker's own {@code metricsPort}, or (in {@code berth dev}) in the server's
 * {@code /metrics}. Retries of reports and other calls about runs, live log bytes given up, failed
 * status polls and reclaims. Prometheus names add {@code _total} to each.
 */
public final class WorkerCounters {

    private final MeterRegistry registry;
    final Counter callRetries;
    final Counter liveLogBytesDropped;
    final Counter statusPollFailures;
    final Counter reclaimFailures;

    public WorkerCounters() {
        this(new SimpleMeterRegistry());
    }

    public WorkerCounters(MeterRegistry registry) {
        this.registry = registry;
        this.callRetries = Counter.builder("berth_worker_call_retries")
                .description("retries of calls about a run (reports, artifacts) while the queue was away").register(registry);
        this.liveLogBytesDropped = Counter.builder("berth_worker_live_log_dropped_bytes")
                .description("live log bytes given up (buffer full, run gone or claim ended)").baseUnit("bytes").register(registry);
        this.statusPollFailures = Counter.builder("berth_worker_status_poll_failures")
                .description("status polls that got no answer").register(registry);
        this.reclaimFailures = Counter.builder("berth_worker_reclaim_failures")
                .description("reclaims that got no answer").register(registry);
    }

    public MeterRegistry registry() { return registry; }

    public long callRetries() { return (long) callRetries.count(); }

    public long liveLogBytesDropped() { return (long) liveLogBytesDropped.count(); }

    public long statusPollFailures() { return (long) statusPollFailures.count(); }

    public long reclaimFailures() { return (long) reclaimFailures.count(); }

    @Override
    public String toString() {
        return "report/call retries " + callRetries() + ", live log bytes dropped " + liveLogBytesDropped()
                + ", status poll failures " + statusPollFailures() + ", reclaim failures " + reclaimFailures();
    }
}
