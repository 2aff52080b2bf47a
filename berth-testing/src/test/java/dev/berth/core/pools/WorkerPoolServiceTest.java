package dev.berth.core.pools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.testing.InMemoryWorkerPoolStore;
import dev.berth.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WorkerPoolServiceTest {

    private final MutableClock clock = new MutableClock();
    private final InMemoryWorkerPoolStore store = new InMemoryWorkerPoolStore();
    private final WorkerPoolService pools = new WorkerPoolService(store, clock);

    private static ObjectNode config() {
        return (ObjectNode) Json.tree("{\"dockerHosts\":[\"unix:///var/run/docker.sock\"],\"image\":\"berth/worker:1\","
                + "\"minCapacity\":0,\"maxCapacity\":3,\"capacityPerWorker\":2,\"idleTimeout\":0}");
    }

    private static PoolDefinition docker(JsonNode config) {
        return new PoolDefinition("docker", "test pool", config, "ops@example.com", false);
    }

    private static BerthException.Kind kindOf(Runnable r) {
        try {
            r.run();
        } catch (BerthException e) {
            return e.kind();
        }
        throw new AssertionError("no BerthException");
    }

    @Test
    void aDockerPoolIsCreatedWithItsConfigReadableWithDefaults() {
        WorkerPool p = pools.create("proj/docker", docker(config()));

        assertThat(p.created()).isEqualTo(clock.instant());
        DockerPoolConfig c = pools.dockerConfig(pools.pool("proj/docker"));
        assertThat(c.dockerHosts()).containsExactly(new DockerPoolConfig.DockerHost("unix:///var/run/docker.sock", false, null, null));
        assertThat(c.pullPolicy()).isEqualTo(DockerPoolConfig.PullPolicy.IF_NOT_PRESENT);
        assertThat(c.capacityPerWorker()).isEqualTo(2);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ZERO);
        assertThat(c.buildsImage()).isFalse();
    }

    @Test
    void thePoolIdMustBeATaskQueueId() {
        for (String bad : new String[] {"no-slash", "a/B", "a/b/c", "x".repeat(39) + "/w", "a/1w"}) {
            assertThatThrownBy(() -> pools.create(bad, docker(config()))).isInstanceOf(BerthException.class)
                    .hasMessageContaining("workerPoolId");
        }
    }

    @Test
    void onlyTheDockerProviderCanCreateAPool() {
        assertThatThrownBy(() -> pools.create("proj/docker", new PoolDefinition("aws", "d", config(), "o", false)))
                .hasMessageContaining("providerId");
        assertThatThrownBy(() -> pools.create("proj/docker", new PoolDefinition("null-provider", "d", config(), "o", false)))
                .hasMessageContaining("null-provider");
    }

    @Test
    void aConfigThatBreaksTheSchemaIsRefusedNamingTheField() {
        ObjectNode noImage = config();
        noImage.remove("image");
        ObjectNode badHost = config();
        badHost.putArray("dockerHosts").add("http://engine:2375");
        ObjectNode extraHostConfig = config();
        extraHostConfig.putObject("hostConfig").put("privileged", true);
        ObjectNode badPull = config().put("pullPolicy", "sometimes");
        ObjectNode badVolume = config();
        badVolume.putArray("volumes").add("relative");

        assertThatThrownBy(() -> pools.create("proj/a", docker(noImage))).hasMessageContaining("image");
        assertThatThrownBy(() -> pools.create("proj/b", docker(badHost))).hasMessageContaining("dockerHosts");
        assertThatThrownBy(() -> pools.create("proj/c", docker(extraHostConfig))).hasMessageContaining("privileged");
        assertThatThrownBy(() -> pools.create("proj/d", docker(badPull))).hasMessageContaining("pullPolicy");
        assertThatThrownBy(() -> pools.create("proj/e", docker(badVolume))).hasMessageContaining("volumes");
        assertThat(store.pools(null, 10).items()).isEmpty();
    }

    @Test
    void aDockerfileAloneIsEnoughAndEveryHostConfigFieldOfTheWhitelistIsAccepted() {
        ObjectNode c = config();
        c.remove("image");
        c.put("dockerfile", "FROM berth/busybox:latest\n").put("pullPolicy", "never").put("followStartupLogs", true)
                .put("hostname", "worker");
        c.putArray("volumes").add("cache:/cache").add("/srv/data:/data:ro");
        c.putArray("command").add("berth").add("worker");
        ObjectNode hc = c.putObject("hostConfig");
        hc.put("networkMode", "bridge").put("shmSize", "64m").put("memory", 1073741824).put("cpus", 1.5);
        hc.putArray("dns").add("10.0.0.1");
        hc.putArray("extraHosts").add("db:10.0.0.2");
        hc.putArray("devices").add("/dev/fuse");
        c.putArray("dockerHosts").add("unix:///var/run/docker.sock").addObject().put("host", "tcp://engine:2376")
                .put("tlsVerify", true).put("certPath", "/etc/berth/certs").put("apiVersion", "1.41");
        c.putObject("workerConfig").putObject("limits").put("memory", "2g");

        DockerPoolConfig read = pools.dockerConfig(pools.create("proj/built", docker(c)));
        assertThat(read.buildsImage()).isTrue();
        assertThat(read.dockerHosts()).hasSize(2);
        assertThat(read.dockerHosts().get(1)).isEqualTo(new DockerPoolConfig.DockerHost("tcp://engine:2376", true, "/etc/berth/certs", "1.41"));
        assertThat(read.volumes()).containsExactly("cache:/cache", "/srv/data:/data:ro");
        assertThat(read.workerConfig().at("/limits/memory").asText()).isEqualTo("2g");
        assertThat(read.hostConfig()).isEqualTo(new DockerPoolConfig.HostConfig("bridge", java.util.List.of("10.0.0.1"),
                java.util.List.of("db:10.0.0.2"), 64L << 20, 1073741824L, 1.5, java.util.List.of("/dev/fuse")));
        assertThat(read.imageName()).startsWith("berth-pool/").endsWith(":latest");
    }

    @Test
    void aDockerfileAloneNamesItsImageByItsTextAndAnImageIsUsedAsGiven() {
        ObjectNode a = config();
        a.remove("image");
        a.put("dockerfile", "FROM berth/busybox:latest\n");
        ObjectNode b = a.deepCopy().put("dockerfile", "FROM berth/busybox:latest\nRUN true\n");

        String nameA = DockerPoolConfig.of(a).imageName();
        assertThat(nameA).matches("berth-pool/[0-9a-f]{16}:latest").isEqualTo(DockerPoolConfig.of(a.deepCopy()).imageName());
        assertThat(DockerPoolConfig.of(b).imageName()).isNotEqualTo(nameA);
        assertThat(DockerPoolConfig.of(config()).imageName()).isEqualTo("berth/worker:1");
        assertThat(DockerPoolConfig.of(config().put("dockerfile", "FROM x\n")).imageName()).isEqualTo("berth/worker:1");
    }

    @Test
    void sizesAreBytesOrANumberWithAUnitOf1024() {
        assertThat(DockerPoolConfig.bytes(Json.tree("512"))).isEqualTo(512);
        assertThat(DockerPoolConfig.bytes(Json.tree("\"512b\""))).isEqualTo(512);
        assertThat(DockerPoolConfig.bytes(Json.tree("\"2k\""))).isEqualTo(2048);
        assertThat(DockerPoolConfig.bytes(Json.tree("\"64M\""))).isEqualTo(64L << 20);
        assertThat(DockerPoolConfig.bytes(Json.tree("\"2g\""))).isEqualTo(2L << 30);
        ObjectNode huge = config();
        huge.putObject("hostConfig").put("memory", "999999999999999g");
        assertThatThrownBy(() -> pools.create("proj/huge", docker(huge))).hasMessageContaining("hostConfig").hasMessageContaining("too large");
    }

    @Test
    void minCapacityAboveMaxCapacityIsRefused() {
        assertThatThrownBy(() -> pools.create("proj/docker", docker(config().put("minCapacity", 4))))
                .hasMessageContaining("minCapacity").hasMessageContaining("maxCapacity");
    }

    @Test
    void creatingAnExistingPoolIsAConflictAndUpdatingAMissingOneNotFound() {
        pools.create("proj/docker", docker(config()));

        assertThat(kindOf(() -> pools.create("proj/docker", docker(config())))).isEqualTo(BerthException.Kind.CONFLICT);
        assertThat(kindOf(() -> pools.update("proj/missing", docker(config())))).isEqualTo(BerthException.Kind.NOT_FOUND);
        assertThat(kindOf(() -> pools.delete("proj/missing"))).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void anUpdateChangesTheDefinitionAndKeepsCreated() {
        WorkerPool created = pools.create("proj/docker", docker(config()));
        clock.advance(Duration.ofMinutes(1));

        WorkerPool updated = pools.update("proj/docker", new PoolDefinition("docker", "bigger", config().put("maxCapacity", 10),
                "new@example.com", true));

        assertThat(updated.created()).isEqualTo(created.created());
        assertThat(updated.lastModified()).isEqualTo(clock.instant());
        assertThat(pools.dockerConfig(pools.pool("proj/docker")).maxCapacity()).isEqualTo(10);
        assertThat(pools.pool("proj/docker").description()).isEqualTo("bigger");
    }

    @Test
    void deletingMarksThePoolNullProviderStopsItsWorkersAndItGoesOnceTheyHaveStopped() {
        pools.create("proj/docker", docker(config()));
        Instant expires = clock.instant().plus(Duration.ofHours(1));
        pools.createWorker("proj/docker", "g", "requested", expires, 1);
        pools.createWorker("proj/docker", "g", "running", expires, 1);
        pools.moveWorker("proj/docker", "g", "running", WorkerState.RUNNING, null);

        WorkerPool deleting = pools.delete("proj/docker");

        assertThat(deleting.providerId()).isEqualTo("null-provider");
        assertThat(deleting.deleting()).isTrue();
        assertThat(pools.worker("proj/docker", "g", "requested").state()).isEqualTo(WorkerState.STOPPING);
        assertThat(pools.worker("proj/docker", "g", "running").state()).isEqualTo(WorkerState.STOPPING);
        assertThat(kindOf(() -> pools.createWorker("proj/docker", "g", "new", expires, null))).isEqualTo(BerthException.Kind.CONFLICT);
        assertThat(pools.removeDrained()).isZero();

        pools.moveWorker("proj/docker", "g", "requested", WorkerState.STOPPED, null);
        pools.moveWorker("proj/docker", "g", "running", WorkerState.STOPPED, null);
        assertThat(pools.removeDrained()).isEqualTo(1);
        assertThat(kindOf(() -> pools.pool("proj/docker"))).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void aPoolBeingDeletedCanBeBroughtBackByAnUpdateToDocker() {
        pools.create("proj/docker", docker(config()));
        pools.delete("proj/docker");

        pools.update("proj/docker", docker(config()));

        assertThat(pools.pool("proj/docker").deleting()).isFalse();
        assertThat(pools.removeDrained()).isZero();
        assertThat(pools.pool("proj/docker").providerId()).isEqualTo("docker");
    }

    @Test
    void aCreatedWorkerIsRequestedWithThePoolsCapacityPerWorkerAndExpiresInTheFuture() {
        pools.create("proj/docker", docker(config()));
        Instant expires = clock.instant().plus(Duration.ofHours(1));

        PoolWorker w = pools.createWorker("proj/docker", "local", "w1", expires, null);

        assertThat(w.state()).isEqualTo(WorkerState.REQUESTED);
        assertThat(w.capacity()).isEqualTo(2);
        assertThat(w.providerId()).isEqualTo("docker");
        assertThat(pools.counts("proj/docker")).isEqualTo(new PoolCounts(1, 0, 0, 0, 2, 0, 0, 0));
        assertThat(kindOf(() -> pools.createWorker("proj/docker", "local", "w1", expires, null))).isEqualTo(BerthException.Kind.CONFLICT);
        assertThatThrownBy(() -> pools.createWorker("proj/docker", "local", "w2", clock.instant(), null)).hasMessageContaining("expires");
        assertThatThrownBy(() -> pools.createWorker("proj/docker", "local", "w3", expires, 0)).hasMessageContaining("capacity");
        assertThat(kindOf(() -> pools.createWorker("proj/none", "local", "w1", expires, null))).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void noWorkerIsCreatedAboveMaxCapacityAndAStoppedOneFreesItsPlace() {
        pools.create("proj/docker", docker(config())); // maxCapacity 3, capacityPerWorker 2
        Instant expires = clock.instant().plus(Duration.ofHours(1));
        pools.createWorker("proj/docker", "g", "w1", expires, null);

        assertThatThrownBy(() -> pools.createWorker("proj/docker", "g", "w2", expires, null)).hasMessageContaining("maxCapacity (3)");
        assertThat(pools.createWorker("proj/docker", "g", "w2", expires, 1).capacity()).isEqualTo(1);
        pools.moveWorker("proj/docker", "g", "w1", WorkerState.STOPPED, null);
        assertThat(pools.createWorker("proj/docker", "g", "w3", expires, null).capacity()).isEqualTo(2);
    }

    @Test
    void theProvisionerRequestsWorkersUntilThePoolIsFullAndNoneForAPoolBeingDeleted() {
        pools.create("proj/docker", docker(config().put("capacityPerWorker", 1)));

        for (int i = 0; i < 3; i++) {
            PoolWorker w = pools.requestWorker("proj/docker", "local", "w" + i, Duration.ofHours(4)).orElseThrow();
            assertThat(w.state()).isEqualTo(WorkerState.REQUESTED);
            assertThat(w.expires()).isEqualTo(clock.instant().plus(Duration.ofHours(4)));
        }
        assertThat(pools.requestWorker("proj/docker", "local", "w3", Duration.ofHours(4))).isEmpty();
        assertThat(pools.counts("proj/docker").requestedCapacity()).isEqualTo(3);

        pools.create("proj/gone", docker(config()));
        pools.delete("proj/gone");
        assertThat(pools.requestWorker("proj/gone", "local", "w0", Duration.ofHours(4))).isEmpty();
    }

    @Test
    void removingAWorkerMarksItStoppingAndAStoppedOneStaysStopped() {
        pools.create("proj/docker", docker(config()));
        Instant expires = clock.instant().plus(Duration.ofHours(1));
        pools.createWorker("proj/docker", "g", "w1", expires, 1);
        pools.createWorker("proj/docker", "g", "w2", expires, 1);
        pools.moveWorker("proj/docker", "g", "w2", WorkerState.STOPPED, null);

        assertThat(pools.removeWorker("proj/docker", "g", "w1").state()).isEqualTo(WorkerState.STOPPING);
        assertThat(pools.removeWorker("proj/docker", "g", "w2").state()).isEqualTo(WorkerState.STOPPED);
        assertThat(kindOf(() -> pools.removeWorker("proj/docker", "g", "nobody"))).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void aStoppedWorkerCannotComeBackToLife() {
        pools.create("proj/docker", docker(config()));
        pools.createWorker("proj/docker", "g", "w1", clock.instant().plus(Duration.ofHours(1)), null);
        pools.moveWorker("proj/docker", "g", "w1", WorkerState.STOPPED, null);

        assertThat(kindOf(() -> pools.moveWorker("proj/docker", "g", "w1", WorkerState.RUNNING, null)))
                .isEqualTo(BerthException.Kind.CONFLICT);
    }

    @Test
    void theProvisionerRecordsWhereAWorkerRuns() {
        pools.create("proj/docker", docker(config()));
        pools.createWorker("proj/docker", "g", "w1", clock.instant().plus(Duration.ofHours(1)), 1);

        pools.moveWorker("proj/docker", "g", "w1", WorkerState.RUNNING, Json.tree("{\"container\":\"abc\"}"));

        PoolWorker w = pools.worker("proj/docker", "g", "w1");
        assertThat(w.state()).isEqualTo(WorkerState.RUNNING);
        assertThat(w.providerData().path("container").asText()).isEqualTo("abc");
    }

    @Test
    void anUpdateMayExpireAWorkerAtOnceAndChangeItsCapacity() {
        pools.create("proj/docker", docker(config().put("maxCapacity", 10)));
        pools.createWorker("proj/docker", "g", "w1", clock.instant().plus(Duration.ofHours(1)), 1);

        PoolWorker w = pools.updateWorker("proj/docker", "g", "w1", clock.instant().minusSeconds(1), 4);

        assertThat(w.expires()).isBefore(clock.instant());
        assertThat(w.capacity()).isEqualTo(4);
    }

    @Test
    void anUpdateCannotRaiseCapacityAboveMaxCapacity() {
        pools.create("proj/docker", docker(config())); // maxCapacity 3
        Instant expires = clock.instant().plus(Duration.ofHours(1));
        pools.createWorker("proj/docker", "g", "w1", expires, 1);
        pools.createWorker("proj/docker", "g", "w2", expires, 1);

        assertThat(pools.updateWorker("proj/docker", "g", "w1", expires, 2).capacity()).isEqualTo(2);
        assertThatThrownBy(() -> pools.updateWorker("proj/docker", "g", "w2", expires, 2)).hasMessageContaining("maxCapacity (3)");
    }

    @Test
    void aWorkerErrorCarriesTheWorkerInExtraAndCountsInTheStats() {
        pools.create("proj/docker", docker(config()));
        pools.create("proj/other", docker(config()));
        clock.set(Instant.parse("2030-01-05T10:30:00Z"));
        WorkerPoolError e = pools.reportWorkerError("proj/docker", "g", "w1", "worker-error", "exited before claiming", "exit 3",
                Json.tree("{\"exitCode\":3}"));
        clock.advance(Duration.ofDays(2));
        pools.reportError("proj/docker", "image-error", "no such image", "berth/worker:1 is missing", null);
        pools.reportError("proj/other", "image-error", "no such image", "x", null);

        assertThat(e.extra().path("workerGroup").asText()).isEqualTo("g");
        assertThat(e.extra().path("workerId").asText()).isEqualTo("w1");
        assertThat(e.extra().path("exitCode").asInt()).isEqualTo(3);
        assertThat(pools.errors("proj/docker", null, null, 10).items()).extracting(WorkerPoolError::kind)
                .containsExactly("image-error", "worker-error");
        assertThat(pools.lastErrors("proj/docker", 1)).extracting(WorkerPoolError::kind).containsExactly("image-error");

        ErrorStats one = pools.errorStats("proj/docker");
        assertThat(one.total()).isEqualTo(2);
        assertThat(one.code()).containsEntry("worker-error", 1).containsEntry("image-error", 1);
        assertThat(one.daily()).hasSize(7).containsEntry("2030-01-05T00:00:00.000Z", 1).containsEntry("2030-01-07T00:00:00.000Z", 1);
        assertThat(one.hourly()).hasSize(24).containsEntry("2030-01-07T10:00:00.000Z", 1);
        assertThat(one.hourly().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1);
        ErrorStats all = pools.errorStats(null);
        assertThat(all.workerPoolId()).isEmpty();
        assertThat(all.total()).isEqualTo(3);
        assertThat(all.workerPool()).containsEntry("proj/docker", 2).containsEntry("proj/other", 1);
    }

    @Test
    void anErrorNeedsAValidKindAndAnExistingPool() {
        pools.create("proj/docker", docker(config()));

        assertThatThrownBy(() -> pools.reportError("proj/docker", "Bad Kind", "t", "d", null)).hasMessageContaining("kind");
        assertThat(kindOf(() -> pools.reportError("proj/none", "x", "t", "d", null))).isEqualTo(BerthException.Kind.NOT_FOUND);
    }

    @Test
    void theSweepDropsErrorsAfterAWeekAndStoppedWorkersPastExpiry() {
        pools.create("proj/docker", docker(config()));
        pools.reportError("proj/docker", "x", "t", "d", null);
        pools.createWorker("proj/docker", "g", "w1", clock.instant().plus(Duration.ofHours(1)), 1);
        pools.moveWorker("proj/docker", "g", "w1", WorkerState.STOPPED, null);
        clock.advance(Duration.ofDays(8));

        assertThat(pools.expire()).isEqualTo(2);
        assertThat(pools.errors("proj/docker", null, null, 10).items()).isEmpty();
        assertThat(pools.workers("proj/docker", null, null, null, 10).items()).isEmpty();
    }

    @Test
    void theStateTableAllowsOnlyForwardMoves() {
        assertThat(WorkerState.REQUESTED.canMoveTo(WorkerState.RUNNING)).isTrue();
        assertThat(WorkerState.RUNNING.canMoveTo(WorkerState.STOPPING)).isTrue();
        assertThat(WorkerState.STOPPING.canMoveTo(WorkerState.STOPPED)).isTrue();
        assertThat(WorkerState.RUNNING.canMoveTo(WorkerState.REQUESTED)).isFalse();
        assertThat(WorkerState.STOPPING.canMoveTo(WorkerState.RUNNING)).isFalse();
        assertThat(WorkerState.STOPPED.canMoveTo(WorkerState.RUNNING)).isFalse();
        assertThat(WorkerState.STOPPED.live()).isFalse();
        assertThat(WorkerState.fromWire("stopping")).isEqualTo(WorkerState.STOPPING);
    }
}
