package dev.berth.app.provisioner;

import java.time.Duration;
import java.util.Objects;

/**
 * How a provisioner works.
 *
 * @param name written on every container it starts (label {@code berth.provisioner}) and its lease holder
 * @param workerRootUrl the server URL the worker containers are given (one they reach: not localhost)
 * @param workerGroup the workerGroup of every worker it starts
 * @param interval time between rounds
 * @param credentialLifetime how long a worker's credentials (its own client) live; renewed at half of it
 * @param leaseTtl how long the leader's lease lasts without renewal (a few rounds)
 * @param backoff first pause of a pool whose worker failed to start; doubled each further failure
 * @param maxBackoff the longest pause
 * @param startGrace a requested worker without a container this long is counted as lost
 */
public record ProvisionerSettings(String name, String workerRootUrl, String workerGroup, Duration interval,
                                  Duration credentialLifetime, Duration leaseTtl, Duration backoff, Duration maxBackoff,
                                  Duration startGrace) {

    public ProvisionerSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(workerRootUrl, "workerRootUrl");
        Objects.requireNonNull(workerGroup, "workerGroup");
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
    }

    public static ProvisionerSettings defaults(String name, String workerRootUrl) {
        return new ProvisionerSettings(name, workerRootUrl, "berth-pools", Duration.ofSeconds(5), Duration.ofHours(24),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(60));
    }

    public ProvisionerSettings withInterval(Duration i, Duration lease) {
        return new ProvisionerSettings(name, workerRootUrl, workerGroup, i, credentialLifetime, lease, backoff, maxBackoff, startGrace);
    }

    public ProvisionerSettings withBackoff(Duration first, Duration max) {
        return new ProvisionerSettings(name, workerRootUrl, workerGroup, interval, credentialLifetime, leaseTtl, first, max, startGrace);
    }
}
