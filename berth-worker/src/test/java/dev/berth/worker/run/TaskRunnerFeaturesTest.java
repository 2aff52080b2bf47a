package dev.berth.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.core.json.Json;
import dev.berth.core.task.Priority;
import dev.berth.core.task.Requires;
import dev.berth.core.task.TaskDefinition;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureConfig;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.Features;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import dev.berth.worker.payload.DockerPayload;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.scopes.ScopeCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The runner drives payload features through one lifecycle, in order, and always releases them. */
class TaskRunnerFeaturesTest {

    private static final PayloadValidator VALIDATOR = new PayloadValidator();

    private final FakeContainerRuntime runtime = new FakeContainerRuntime();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    /** A feature that records its hooks and adds what a real one would. */
    private final class Recording implements TaskFeature {
        final String key;
        final boolean network;
        final List<String> scopes;
        String failIn = "";

        Recording(String key, boolean network, String... scopes) {
            this.key = key;
            this.network = network;
            this.scopes = List.of(scopes);
        }

        @Override public String key() { return key; }

        @Override public List<String> requiredScopes(DockerPayload payload) { return scopes; }

        @Override public boolean needsTaskNetwork() { return network; }

        @Override
        public RunFeature open(FeatureRun run) {
            calls.add(key + ":open" + (run.network() == null ? "" : "@" + run.network().name().substring(0, 6)));
            return new RunFeature() {
                @Override
                public void beforeCreate(ContainerSetup setup) throws Exception {
                    calls.add(key + ":beforeCreate");
                    if (failIn.equals("beforeCreate")) throw FeatureFailure.unavailable("no upstream for " + key, null);
                    setup.env(key.toUpperCase() + "_URL", "http://" + key).capability("SYS_PTRACE");
                    if (run.network() != null) setup.host(key, run.network().gateway());
                }

                @Override
                public void afterStart(String containerId) {
                    calls.add(key + ":afterStart");
                    if (failIn.equals("afterStart")) throw new IllegalStateException("boom in " + key);
                }

                @Override
                public void afterExit(String containerId, ContainerExit exit) {
                    calls.add(key + ":afterExit:" + exit.exitCode());
                }

                @Override
                public void close() {
                    calls.add(key + ":close");
                }
            };
        }
    }

    private static ClaimedRun run(String features, String... scopes) {
        Instant now = Instant.now();
        JsonNodeFactory f = JsonNodeFactory.instance;
        String payload = "{\"image\":\"img\",\"maxRunTime\":10,\"features\":" + features + "}";
        TaskDefinition task = new TaskDefinition("test-prov", "test-type", "test-prov/test-type", "-", "none",
                "group", List.of(), Requires.ALL_COMPLETED, List.of(), Priority.LOWEST, 0,
                now, now.plus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), List.of(scopes), Json.tree(payload),
                f.objectNode(), Map.of(), f.objectNode());
        return new ClaimedRun(Fixtures.taskId(), 0, task);
    }

    private RecordingReporter runWith(Features features, ClaimedRun claimed) {
        RecordingReporter reporter = new RecordingReporter();
        new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, claimed, reporter)
                .scopeCheck(new ScopeCheck(ScopeCheck.AS_GIVEN, Set.of()))
                .features(features)
                .run();
        return reporter;
    }

    @Test
    void hooksRunInTheWorkersOrderAroundTheContainerAndAreReleasedLastFirst() {
        Recording proxy = new Recording("proxy", false);
        Recording shell = new Recording("shell", false);
        Features features = new Features(List.of(proxy, shell), Set.of());

        RecordingReporter reporter = runWith(features, run("{\"shell\":true,\"proxy\":true}"));

        assertThat(reporter.resolutions).containsExactly("completed");
        assertThat(calls).containsExactly("proxy:open", "shell:open", "proxy:beforeCreate", "shell:beforeCreate",
                "proxy:afterStart", "shell:afterStart", "proxy:afterExit:0", "shell:afterExit:0", "shell:close", "proxy:close");
        ContainerSpec spec = runtime.created.get(0);
        assertThat(spec.env()).containsEntry("PROXY_URL", "http://proxy").containsEntry("SHELL_URL", "http://shell");
        assertThat(spec.additions().capAdd()).containsExactly("SYS_PTRACE");
        assertThat(spec.additions().network()).isNull();
        assertThat(reporter.log()).contains("features: proxy, shell");
    }

    @Test
    void aFeatureThatNeedsANetworkGetsOneOfTheRunsOwnWhichGoesAfterTheContainer() {
        Recording proxy = new Recording("proxy", true);
        Features features = new Features(List.of(proxy), Set.of());

        RecordingReporter reporter = runWith(features, run("{\"proxy\":true}"));

        assertThat(reporter.resolutions).containsExactly("completed");
        ContainerSpec spec = runtime.created.get(0);
        assertThat(spec.additions().network()).startsWith("berth-");
        assertThat(spec.additions().extraHosts()).containsKey("proxy");
        assertThat(calls.get(0)).isEqualTo("proxy:open@berth-");
        assertThat(runtime.networks).isEmpty();
        assertThat(runtime.removals).hasSize(2);
        assertThat(runtime.removals.get(0)).startsWith("container:");
        assertThat(runtime.removals.get(1)).isEqualTo("network:" + spec.additions().network());
    }

    @Test
    void aRunWithoutFeaturesGetsNoNetwork() {
        Features features = new Features(List.of(new Recording("proxy", true)), Set.of());

        runWith(features, run("{\"proxy\":false}"));

        assertThat(runtime.created.get(0).additions().network()).isNull();
        assertThat(runtime.removals).noneMatch(r -> r.startsWith("network:"));
        assertThat(calls).isEmpty();
    }

    @Test
    void anUnknownFeatureAndOneSwitchedOffAreMalformedPayloadNamingEach() {
        Features features = Features.of(FeatureConfig.read(Json.tree("{\"shell\":false}"), Set.of()),
                List.of(new Recording("proxy", false), new Recording("shell", false)));

        RecordingReporter reporter = runWith(features, run("{\"shell\":true,\"teleport\":true}"));

        assertThat(reporter.resolutions).containsExactly("exception/malformed-payload");
        assertThat(reporter.log()).contains("features.shell: switched off on this worker")
                .contains("features.teleport: no such feature on this worker (it has: proxy)");
        assertThat(runtime.created).isEmpty();
        assertThat(calls).isEmpty();
    }

    @Test
    void aFeaturesScopeIsCheckedBeforeAnythingIsMade() {
        Features features = new Features(List.of(new Recording("ptrace", false, "docker-worker:feature:ptrace")), Set.of());

        RecordingReporter refused = runWith(features, run("{\"ptrace\":true}"));
        assertThat(refused.resolutions).containsExactly("exception/malformed-payload");
        assertThat(refused.log()).contains("missing scope docker-worker:feature:ptrace");
        assertThat(calls).isEmpty();

        RecordingReporter allowed = runWith(features, run("{\"ptrace\":true}", "docker-worker:feature:ptrace"));
        assertThat(allowed.resolutions).containsExactly("completed");
    }

    @Test
    void aFeatureWithoutAScopeNeedsNone() {
        Features features = new Features(List.of(new Recording("proxy", false)), Set.of());

        assertThat(runWith(features, run("{\"proxy\":true}")).resolutions).containsExactly("completed");
    }

    @Test
    void aFeatureThatCannotPrepareEndsTheRunWithItsReasonAndEverythingIsReleased() {
        Recording proxy = new Recording("proxy", true);
        Recording shell = new Recording("shell", false);
        shell.failIn = "beforeCreate";
        Features features = new Features(List.of(proxy, shell), Set.of());

        RecordingReporter reporter = runWith(features, run("{\"proxy\":true,\"shell\":true}"));

        assertThat(reporter.resolutions).containsExactly("exception/resource-unavailable");
        assertThat(reporter.log()).contains("no upstream for shell");
        assertThat(runtime.created).isEmpty();
        assertThat(calls).endsWith("shell:close", "proxy:close");
        assertThat(runtime.networks).isEmpty();
    }

    @Test
    void aFeatureThatBreaksOnceTheContainerRunsIsAnInternalErrorNamingIt() {
        Recording shell = new Recording("shell", false);
        shell.failIn = "afterStart";
        Features features = new Features(List.of(shell), Set.of());

        RecordingReporter reporter = runWith(features, run("{\"shell\":true}"));

        assertThat(reporter.resolutions).containsExactly("exception/internal-error");
        assertThat(reporter.log()).contains("feature shell failed once the container started: boom in shell");
        assertThat(runtime.killed).isNotEmpty();
        assertThat(calls).endsWith("shell:close");
    }

    @Test
    void afterAnExitTheFeatureSeesTheTasksExitCode() {
        runtime.exit = new ContainerExit(3, false);
        Recording proxy = new Recording("proxy", false);

        RecordingReporter reporter = runWith(new Features(List.of(proxy), Set.of()), run("{\"proxy\":true}"));

        assertThat(reporter.resolutions).containsExactly("failed");
        assertThat(calls).contains("proxy:afterExit:3");
    }

    @Test
    void aCancelReachesAFeatureHoldingTheRunAndTheRunEndsWithoutAReport() throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        TaskFeature hold = new TaskFeature() {
            @Override public String key() { return "hold"; }

            @Override
            public RunFeature open(FeatureRun run) {
                return new RunFeature() {
                    @Override
                    public void afterExit(String containerId, ContainerExit exit) throws InterruptedException {
                        holding.countDown();
                        released.await();
                    }

                    @Override public void onCancel() { released.countDown(); }

                    @Override public void close() { calls.add("hold:close"); }
                };
            }
        };
        RecordingReporter reporter = new RecordingReporter();
        Features features = new Features(List.of(hold), Set.of());
        TaskRunner runner = new TaskRunner(runtime, Fixtures.settings("w1"), VALIDATOR, run("{\"hold\":true}"), reporter)
                .features(features);
        java.util.concurrent.CompletableFuture<RunOutcome> outcome = java.util.concurrent.CompletableFuture.supplyAsync(runner::run);

        assertThat(holding.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        runner.cancel();

        assertThat(outcome.get(10, java.util.concurrent.TimeUnit.SECONDS).resolution()).isEqualTo(RunOutcome.Resolution.CANCELLED);
        assertThat(reporter.resolutions).isEmpty();
        assertThat(calls).containsExactly("hold:close");
    }
}
