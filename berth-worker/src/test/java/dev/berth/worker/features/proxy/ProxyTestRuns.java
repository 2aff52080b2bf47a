package dev.berth.worker.features.proxy;

import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ContainerSummary;
import dev.berth.worker.runtime.OutputSink;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.TaskNetwork;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Runs for the proxies' unit tests: a "network" whose gateway is 127.0.0.1, and an engine that knows one address. */
final class ProxyTestRuns {

    private ProxyTestRuns() {}

    static TemporaryCredentials credentials(String name, List<String> scopes) {
        return TemporaryCredentials.create("root", "root-secret-token", scopes, Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600), name);
    }

    static final class Run {
        final ClaimedRun claimed;
        final WorkClaim claim;
        final TaskNetwork network;
        final List<String> log = new CopyOnWriteArrayList<>();
        final FeatureRun featureRun;

        Run(String rootUrl, List<String> taskScopes, String containerAddress, TemporaryCredentials credentials) {
            claimed = Fixtures.run("{}", taskScopes);
            claim = credentials == null ? null : new WorkClaim(claimed, Instant.now().plusSeconds(600), credentials);
            network = new TaskNetwork("net-" + claimed.taskId(), "berth-" + claimed.taskId(), "127.0.0.1", Map.of());
            featureRun = new FeatureRun(claimed, null, claim,
                    new dev.berth.worker.run.WorkerSettings("w", "g", "t", rootUrl, null, null, Fixtures.LIMITS),
                    new AddressOnlyRuntime(containerAddress), network, null, log::add, Clock.systemUTC());
        }
    }

    /** Knows the task container's address on the run's network; nothing else. */
    static final class AddressOnlyRuntime implements ContainerRuntime {
        private final String address;

        AddressOnlyRuntime(String address) {
            this.address = address;
        }

        @Override
        public Optional<String> containerAddress(String containerId, String networkName) {
            return Optional.ofNullable(address);
        }

        @Override public void ensureImage(String image) { throw new UnsupportedOperationException(); }
        @Override public String createContainer(ContainerSpec spec) { throw new UnsupportedOperationException(); }
        @Override public void startContainer(String containerId) { throw new UnsupportedOperationException(); }
        @Override public OutputStreamHandle followOutput(String containerId, OutputSink sink) { throw new UnsupportedOperationException(); }
        @Override public Optional<ContainerExit> awaitExit(String containerId, Duration timeout) { throw new UnsupportedOperationException(); }
        @Override public void kill(String containerId) { throw new UnsupportedOperationException(); }
        @Override public InputStream copyFromContainer(String containerId, String path) { throw new UnsupportedOperationException(); }
        @Override public void removeContainer(String containerId) { throw new UnsupportedOperationException(); }
        @Override public List<ContainerSummary> listContainers(Map<String, String> labels) { throw new UnsupportedOperationException(); }
    }
}
