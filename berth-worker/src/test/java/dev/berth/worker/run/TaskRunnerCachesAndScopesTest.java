package dev.berth.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.core.json.Json;
import dev.berth.core.task.Priority;
import dev.berth.core.task.Requires;
import dev.berth.core.task.TaskDefinition;
import dev.berth.testing.MutableClock;
import dev.berth.worker.caches.CacheManager;
import dev.berth.worker.caches.PurgeRequestSource;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.scopes.ScopeCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's docker-worker scope check and volume caches, against the scripted engine. */
class TaskRunnerCachesAndScopesTest {

    private static final PayloadValidator VALIDATOR = new PayloadValidator();
    private static final String CACHE_PAYLOAD =
            "{\"image\":\"img\",\"maxRunTime\":10,\"cache\":{\"objdir\":\"/cache\"},\"onExitStatus\":{\"purgeCaches\":[7]}}";

    @TempDir
    Path dataDir;

    private final FakeContainerRuntime runtime = new FakeContainerRuntime();
    private final MutableClock clock = new MutableClock();
    private final List<PurgeRequestSource.Notice> purgeRequests = new CopyOnWriteArrayList<>();
    private CacheManager caches;

    private CacheManager caches() {
        if (caches == null) caches = new CacheManager(runtime, "w1", dataDir, since -> List.copyOf(purgeRequests), clock);
        return caches;
    }

    private static ClaimedRun run(String payload, String... scopes) {
        Instant now = Instant.now();
        JsonNodeFactory f = JsonNodeFactory.instance;
        TaskDefinition task = new TaskDefinition("test-prov", "test-type", "test-prov/test-type", "-", "none",
                "group", List.of(), Requires.ALL_COMPLETED, List.of(), Priority.LOWEST, 0,
                now, now.plus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), List.of(scopes), Json.tree(payload),
                f.objectNode(), Map.of(), f.objectNode());
        return new ClaimedRun(Fixtures.taskId(), 0, task);
    }

    private RecordingReporter runWith(ClaimedRun claimed, ScopeCheck check) {
        RecordingReporter reporter = new RecordingReporter();
        new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, claimed, reporter).scopeCheck(check).caches(caches()).run();
        return reporter;
    }

    private RecordingReporter run(ClaimedRun claimed) {
        return runWith(claimed, new ScopeCheck(ScopeCheck.AS_GIVEN, Set.of()));
    }

    private List<String> mountedVolumes() {
        return runtime.created.stream().flatMap(s -> s.volumes().stream()).map(ContainerSpec.VolumeMount::volumeName).toList();
    }

    @Test
    void aMissingCacheScopeIsNamedInTheLogAndNothingIsMade() {
        RecordingReporter reporter = run(run(CACHE_PAYLOAD));

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("missing scope docker-worker:cache:objdir");
        assertThat(runtime.created).isEmpty();
        assertThat(runtime.volumes).isEmpty();
    }

    @Test
    void everyMissingScopeIsNamedOnItsOwnLine() {
        RecordingReporter reporter = run(run("{\"image\":\"img\",\"maxRunTime\":10,\"cache\":{\"a\":\"/a\",\"b\":\"/b\"},"
                + "\"capabilities\":{\"privileged\":true,\"devices\":{\"kvm\":true}},\"features\":{\"allowPtrace\":true}}",
                "docker-worker:cache:a"));

        assertThat(reporter.log()).contains("missing scope docker-worker:cache:b\n")
                .contains("missing scope docker-worker:capability:privileged\n")
                .contains("missing scope docker-worker:capability:device:kvm\n")
                .contains("missing scope docker-worker:feature:allowPtrace\n")
                .doesNotContain("missing scope docker-worker:cache:a\n");
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void scopesGrantedThroughARoleAreFoundByExpandingTheTasksScopes() {
        List<List<String>> asked = new CopyOnWriteArrayList<>();
        ScopeCheck.Expander roles = scopes -> {
            asked.add(scopes);
            return scopes.contains("assume:project:x") ? List.of("assume:project:x", "docker-worker:cache:obj*") : scopes;
        };
        RecordingReporter reporter = runWith(run(CACHE_PAYLOAD, "assume:project:x"), new ScopeCheck(roles, Set.of()));

        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(asked).containsExactly(List.of("assume:project:x"));
    }

    @Test
    void aTaskWhoseScopesSufficeAsGivenNeedsNoExpansion() {
        ScopeCheck.Expander never = scopes -> { throw new IOException("must not be asked"); };
        RecordingReporter reporter = runWith(run(CACHE_PAYLOAD, "docker-worker:cache:objdir:test-prov/test-type"),
                new ScopeCheck(never, Set.of()));
        assertThat(reporter.resolutions).containsExactly("completed");
    }

    @Test
    void scopesThatCannotBeExpandedEndTheRunBeforeAnythingIsMade() {
        ScopeCheck.Expander down = scopes -> { throw new IOException("connection refused"); };
        RecordingReporter reporter = runWith(run(CACHE_PAYLOAD), new ScopeCheck(down, Set.of()));
        assertThat(reporter.resolutions).containsExactly("exception/internal-error");
        assertThat(reporter.log()).contains("could not be expanded").contains("connection refused");
        assertThat(runtime.volumes).isEmpty();
    }

    @Test
    void anImageFromARegistryTheWorkerHasCredentialsForNeedsItsImageScope() {
        String payload = "{\"image\":\"registry.example:5000/team/app:1\",\"maxRunTime\":10}";
        RecordingReporter refused = runWith(run(payload), new ScopeCheck(ScopeCheck.AS_GIVEN, Set.of("registry.example:5000")));
        assertThat(refused.log()).contains("missing scope docker-worker:image:registry.example:5000/team/app:1");

        RecordingReporter publicImage = runWith(run(payload), new ScopeCheck(ScopeCheck.AS_GIVEN, Set.of("other.example")));
        assertThat(publicImage.resolutions).containsExactly("completed");
    }

    @Test
    void badCacheNamesAreMalformedPayload() {
        for (String name : List.of("a::b", "a/b", "x".repeat(257))) {
            RecordingReporter reporter = run(run("{\"image\":\"img\",\"maxRunTime\":10,\"cache\":{\"" + name + "\":\"/c\"}}", "*"));
            assertThat(reporter.resolutions).as(name).containsExactly("exception/malformed-payload");
        }
        RecordingReporter empty = run(run("{\"image\":\"img\",\"maxRunTime\":10,\"cache\":{\"\":\"/c\"}}", "*"));
        assertThat(empty.resolutions).containsExactly("exception/malformed-payload");
        assertThat(runtime.created).isEmpty();
    }

    @Test
    void aCacheIsMountedAtItsPathAndTheNextRunGetsTheSameInstance() {
        RecordingReporter first = run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        clock.advance(Duration.ofSeconds(1));
        RecordingReporter second = run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));

        assertThat(first.resolutions).containsExactly("completed");
        assertThat(runtime.created.get(0).volumes()).singleElement()
                .satisfies(m -> assertThat(m.containerPath()).isEqualTo("/cache"));
        assertThat(mountedVolumes()).hasSize(2);
        assertThat(mountedVolumes().get(1)).isEqualTo(mountedVolumes().get(0));
        assertThat(first.log()).contains("cache objdir: new instance");
        assertThat(second.log()).contains("cache objdir: instance " + mountedVolumes().get(0));
        assertThat(runtime.volumes.get(mountedVolumes().get(0)))
                .containsEntry(CacheManager.LABEL_CACHE_NAME, "objdir").containsEntry("dev.berth.worker-id", "w1");
    }

    @Test
    void anExitCodeListedInPurgeCachesRemovesTheInstanceAfterTheContainer() {
        runtime.exit = new ContainerExit(7, false);
        RecordingReporter reporter = run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));

        assertThat(reporter.resolutions).containsExactly("failed");
        assertThat(reporter.log()).contains("onExitStatus.purgeCaches");
        assertThat(runtime.volumes).isEmpty();
        assertThat(runtime.volumesRemoved).containsExactly(mountedVolumes().get(0));

        runtime.exit = new ContainerExit(0, false);
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        assertThat(mountedVolumes().get(1)).isNotEqualTo(mountedVolumes().get(0));
    }

    @Test
    void anExitCodeNotListedKeepsTheInstance() {
        runtime.exit = new ContainerExit(3, false);
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        assertThat(runtime.volumes).hasSize(1);
    }

    @Test
    void aPurgeRequestMakesTheNextRunGetAFreshInstance() {
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        clock.advance(Duration.ofSeconds(5));
        purgeRequests.add(new PurgeRequestSource.Notice("objdir", clock.instant()));
        clock.advance(Duration.ofSeconds(1));
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));

        assertThat(mountedVolumes().get(1)).isNotEqualTo(mountedVolumes().get(0));
        assertThat(runtime.volumesRemoved).containsExactly(mountedVolumes().get(0));
    }

    @Test
    void instancesAreFoundAgainByLabelAfterARestart() {
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        String volume = mountedVolumes().get(0);
        caches = null; // a new worker process: same engine, same data directory, same worker id
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));

        assertThat(mountedVolumes().get(1)).isEqualTo(volume);
    }

    @Test
    void aRunMarksItsImageInUseUntilItsContainerIsGone() {
        dev.berth.worker.caches.ImageUsage images = new dev.berth.worker.caches.ImageUsage(clock);
        List<Boolean> inUseWhileRunning = new CopyOnWriteArrayList<>();
        runtime.whileWaiting = () -> inUseWhileRunning.add(images.inUse("img"));
        new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, run("{\"image\":\"img\",\"maxRunTime\":10}"),
                new RecordingReporter()).images(images).run();

        assertThat(inUseWhileRunning).containsOnly(true).isNotEmpty();
        assertThat(images.inUse("img")).isFalse();
        clock.advance(Duration.ofHours(2));
        assertThat(images.idle(Duration.ofHours(1))).containsExactly("img");
    }

    @Test
    void anotherWorkerIdDoesNotSeeTheInstances() {
        run(run(CACHE_PAYLOAD, "docker-worker:cache:objdir"));
        CacheManager other = new CacheManager(runtime, "w2", dataDir.resolve("w2"), PurgeRequestSource.NONE, clock);
        assertThat(other.instances()).isEmpty();
    }
}
