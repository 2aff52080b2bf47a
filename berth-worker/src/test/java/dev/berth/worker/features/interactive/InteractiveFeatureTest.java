package dev.berth.worker.features.interactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The keep-alive rules, the worker options and the switch of the interactive feature. */
class InteractiveFeatureTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant LIMIT = T0.plus(Duration.ofHours(1));

    private static KeepAlive keepAlive() {
        return new KeepAlive(Duration.ofMinutes(3), Duration.ofMinutes(15), LIMIT);
    }

    @Test
    void theContainerIsKeptWhileTheCommandRunsAndForTheGraceAfterItExits() {
        KeepAlive k = keepAlive();
        assertThat(k.mayEnd(T0.plus(Duration.ofMinutes(30)))).isFalse();
        k.commandExited(T0.plusSeconds(10));
        assertThat(k.until()).isEqualTo(T0.plusSeconds(190));
        assertThat(k.mayEnd(T0.plusSeconds(189))).isFalse();
        assertThat(k.mayEnd(T0.plusSeconds(190))).isTrue();
    }

    @Test
    void anOpenSessionHoldsItAndTheIdleTimeCountsFromTheLastSessionsEnd() {
        KeepAlive k = keepAlive();
        k.commandExited(T0);
        k.sessionOpened();
        assertThat(k.mayEnd(T0.plus(Duration.ofMinutes(20)))).isFalse();
        k.sessionEnded(T0.plus(Duration.ofMinutes(20)));
        assertThat(k.until()).isEqualTo(T0.plus(Duration.ofMinutes(35)));
        assertThat(k.mayEnd(T0.plus(Duration.ofMinutes(34)))).isFalse();
        assertThat(k.mayEnd(T0.plus(Duration.ofMinutes(35)))).isTrue();
    }

    @Test
    void aSessionThatEndedWhileTheCommandRanStillGivesItsIdleTime() {
        KeepAlive k = keepAlive();
        k.sessionOpened();
        k.sessionEnded(T0.plus(Duration.ofMinutes(1)));
        k.commandExited(T0.plus(Duration.ofMinutes(2)));
        assertThat(k.until()).isEqualTo(T0.plus(Duration.ofMinutes(16)));
    }

    @Test
    void maxRunTimeEndsItEvenWithSessionsOpen() {
        KeepAlive k = keepAlive();
        k.commandExited(LIMIT.minusSeconds(60));
        k.sessionOpened();
        assertThat(k.until()).isEqualTo(LIMIT);
        assertThat(k.mayEnd(LIMIT.minusSeconds(1))).isFalse();
        assertThat(k.mayEnd(LIMIT)).isTrue();
    }

    @Test
    void theWorkersOptionsTakeDurationsAndRefuseNonsense() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("keepAliveAfterExit", "90s").put("idleAfterSession", 120);
        InteractiveFeature.Settings s = InteractiveFeature.settings(o);
        assertThat(s.keepAliveAfterExit()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.idleAfterSession()).isEqualTo(Duration.ofMinutes(2));
        assertThat(InteractiveFeature.settings(JsonNodeFactory.instance.objectNode()))
                .isEqualTo(new InteractiveFeature.Settings(Duration.ofMinutes(3), Duration.ofMinutes(15)));
        assertThatThrownBy(() -> InteractiveFeature.settings(JsonNodeFactory.instance.objectNode().put("idleAfterSession", "soon")))
                .hasMessageContaining("features.interactive.idleAfterSession");
    }

    @Test
    void theFeatureIsOnByDefaultAndAWorkerThatSwitchesItOffRefusesTasksAskingForIt() {
        var candidates = java.util.List.<dev.berth.worker.features.TaskFeature>of(
                new InteractiveFeature(JsonNodeFactory.instance.objectNode()));
        var on = dev.berth.worker.features.Features.of(dev.berth.worker.features.FeatureConfig.DEFAULT, candidates)
                .select(java.util.Map.of("interactive", true));
        assertThat(on.problems()).isEmpty();
        assertThat(on.active()).extracting(dev.berth.worker.features.TaskFeature::key).containsExactly("interactive");
        assertThat(on.active().get(0).requiredScopes(null)).isEmpty();

        var off = dev.berth.worker.features.Features.of(new dev.berth.worker.features.FeatureConfig(
                java.util.Map.of("interactive", JsonNodeFactory.instance.booleanNode(false)), java.util.Set.of()), candidates)
                .select(java.util.Map.of("interactive", true));
        assertThat(off.active()).isEmpty();
        assertThat(off.problems()).singleElement().asString().contains("interactive");
    }
}
