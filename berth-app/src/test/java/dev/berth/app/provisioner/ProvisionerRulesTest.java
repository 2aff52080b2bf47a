package dev.berth.app.provisioner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.core.pools.DockerPoolConfig;
import dev.berth.core.pools.PoolCounts;
import dev.berth.core.pools.WorkerState;
import dev.berth.store.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvisionerRulesTest {

    /** A clock the test moves (berth-app's tests do not depend on berth-testing's MutableClock). */
    static final class SettableClock extends java.time.Clock {
        private java.time.Instant now = java.time.Instant.parse("2030-01-01T00:00:00Z");
        void advance(Duration d) { now = now.plus(d); }
        @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
        @Override public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public java.time.Instant instant() { return now; }
    }

    private static DockerPoolConfig pool(int min, int max, int perWorker) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("dockerHosts").add("unix:///var/run/docker.sock");
        c.put("image", "berth/worker:latest").put("minCapacity", min).put("maxCapacity", max).put("capacityPerWorker", perWorker);
        return DockerPoolConfig.of(c);
    }

    @Test
    void pendingTasksStartWorkersUpToMaxCapacity() {
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), PoolCounts.NONE, 9, 9)).isEqualTo(3);
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), PoolCounts.NONE, 2, 2)).isEqualTo(2);
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), PoolCounts.NONE.plus(WorkerState.RUNNING, 1), 9, 9)).isEqualTo(2);
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), PoolCounts.NONE, 0, 0)).isZero();
    }

    @Test
    void startingWorkersCountAgainstPendingTasksAndMinCapacityIsKeptWarm() {
        PoolCounts twoStarting = PoolCounts.NONE.plus(WorkerState.REQUESTED, 1).plus(WorkerState.REQUESTED, 1);
        assertThat(Provisioner.workersToStart(pool(0, 5, 1), twoStarting, 2, 2)).isZero();
        assertThat(Provisioner.workersToStart(pool(0, 5, 1), twoStarting, 3, 3)).isEqualTo(1);
        assertThat(Provisioner.workersToStart(pool(2, 5, 1), PoolCounts.NONE, 0, 0)).isEqualTo(2);
        assertThat(Provisioner.workersToStart(pool(2, 5, 1), PoolCounts.NONE.plus(WorkerState.RUNNING, 1), 0, 0)).isEqualTo(1);
    }

    @Test
    void withWorkersRunningOnlyTasksStillWaitingARoundLaterStartMore() {
        PoolCounts oneRunning = PoolCounts.NONE.plus(WorkerState.RUNNING, 1);
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), oneRunning, 1, 0)).as("the idle worker takes it").isZero();
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), oneRunning, 2, 2)).isEqualTo(2);
        assertThat(Provisioner.workersToStart(pool(0, 3, 1), PoolCounts.NONE, 2, 0)).as("an empty pool starts at once").isEqualTo(2);
    }

    @Test
    void workersOfSeveralSlotsAreStartedWholeAndNeverPastMaxCapacity() {
        assertThat(Provisioner.workersToStart(pool(0, 8, 4), PoolCounts.NONE, 5, 5)).isEqualTo(2);
        assertThat(Provisioner.workersToStart(pool(0, 6, 4), PoolCounts.NONE, 9, 9)).isEqualTo(1);
        assertThat(Provisioner.workersToStart(pool(0, 8, 4), PoolCounts.NONE.plus(WorkerState.RUNNING, 8), 9, 9)).isZero();
    }

    @Test
    void workerConfigBecomesTheWorkersEnvironmentAndUnknownKeysAreWarnedAbout() throws Exception {
        ObjectNode wc = (ObjectNode) Json.MAPPER.readTree(
                "{\"limits\":{\"memory\":\"2g\",\"cpus\":1.5},\"featuresOff\":[\"allowPtrace\",\"dind\"],\"env\":{\"X_Y\":\"z\"},\"colour\":\"red\"}");
        List<String> warned = new ArrayList<>();
        Map<String, String> env = WorkerConfigEnv.of(wc, (k, m) -> warned.add(m));
        assertThat(env).containsEntry("BERTH_WORKER_MEMORY", "2g").containsEntry("BERTH_WORKER_CPUS", "1.5")
                .containsEntry("BERTH_WORKER_FEATURES_OFF", "allowPtrace,dind").containsEntry("X_Y", "z").hasSize(4);
        assertThat(warned).singleElement().asString().contains("workerConfig.colour");
    }

    @Test
    void oneProvisionerHoldsTheLeaseUntilItExpiresOrIsGivenUp() {
        SettableClock clock = new SettableClock();
        try (Storage db = Storage.open("jdbc:h2:mem:lease-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", null, null)) {
            Lease a = new Lease.Jdbc(db.dataSource(), "provisioner", "a", clock);
            Lease b = new Lease.Jdbc(db.dataSource(), "provisioner", "b", clock);
            Duration ttl = Duration.ofSeconds(15);
            assertThat(a.acquire(ttl)).isTrue();
            assertThat(b.acquire(ttl)).isFalse();
            clock.advance(Duration.ofSeconds(10));
            assertThat(a.acquire(ttl)).as("renewed").isTrue();
            clock.advance(Duration.ofSeconds(10));
            assertThat(b.acquire(ttl)).as("a renewed 10 s ago").isFalse();
            clock.advance(Duration.ofSeconds(6));
            assertThat(b.acquire(ttl)).as("a's lease expired").isTrue();
            assertThat(a.acquire(ttl)).isFalse();
            b.release();
            assertThat(a.acquire(ttl)).as("given up").isTrue();
        }
    }

    @Test
    void aPoolWorkersClientHoldsExactlyTheScopesOfADeployedWorkerOfThatPoolForItsOwnId() {
        java.time.Instant now = java.time.Instant.parse("2030-01-01T00:00:00Z");
        dev.berth.core.pools.PoolWorker w = new dev.berth.core.pools.PoolWorker("proj/docker", "berth-pools", "wabc", "docker",
                WorkerState.REQUESTED, 1, now, now.plus(Duration.ofHours(24)), now, now, Json.MAPPER.createObjectNode());
        Map<String, Object> body = Provisioner.clientBody(w, now.plus(Duration.ofHours(24)), "prov-1");
        // written out: a scope added here (or to WorkerScopes) must be a decision, made in this test too
        assertThat(body.get("scopes")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).containsExactly(
                "queue:claim-work:proj/docker",
                "queue:claim-task:proj/docker",
                "queue:worker-id:berth-pools/wabc",
                "auth:expand-scopes",
                "purge-cache:purge-requests::proj/docker");
        assertThat(body.get("scopes")).isEqualTo(dev.berth.core.dockerworker.WorkerScopes.of("proj/docker", "berth-pools", "wabc"));
        assertThat(body.get("expires")).isEqualTo("2030-01-02T00:00:00.000Z");
        assertThat(body.get("deleteOnExpiration")).isEqualTo(true);
        assertThat(Provisioner.clientId(w)).isEqualTo("worker-pool/proj/docker/berth-pools/wabc");
    }

    @Test
    void anImageIsPulledByItsTagAndOneWithoutATagAsLatest() {
        assertThat(Provisioner.withTag("127.0.0.1:5000/berth/worker")).isEqualTo("127.0.0.1:5000/berth/worker:latest");
        assertThat(Provisioner.withTag("127.0.0.1:5000/berth/worker:1")).isEqualTo("127.0.0.1:5000/berth/worker:1");
        assertThat(Provisioner.withTag("berth/worker")).isEqualTo("berth/worker:latest");
        assertThat(Provisioner.withTag("busybox@sha256:abc")).isEqualTo("busybox@sha256:abc");
    }
}
