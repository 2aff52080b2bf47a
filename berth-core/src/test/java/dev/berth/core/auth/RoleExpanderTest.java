package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.store.RoleRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoleExpanderTest {

    private static RoleRecord role(String id, String... scopes) {
        return new RoleRecord(id, "", List.of(scopes), Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void noRolesLeavesScopesNormalised() {
        assertThat(RoleExpander.empty().expand(List.of("b", "a", "a:*", "a:x"))).containsExactly("a", "a:*", "b");
    }

    @Test
    void assumeIsRecursive() {
        RoleExpander expander = RoleExpander.of(List.of(
                role("a", "scope-a", "assume:b"),
                role("b", "scope-b", "assume:c"),
                role("c", "scope-c")));
        assertThat(expander.expand(List.of("assume:a")))
                .containsExactly("assume:a", "assume:b", "assume:c", "scope-a", "scope-b", "scope-c");
        assertThat(expander.expand(List.of("assume:c"))).containsExactly("assume:c", "scope-c");
        assertThat(expander.expand(List.of("assume:d"))).containsExactly("assume:d");
    }

    @Test
    void cyclesTerminate() {
        RoleExpander expander = RoleExpander.of(List.of(
                role("a", "x", "assume:b"),
                role("b", "y", "assume:a"),
                role("self", "assume:self", "z")));
        assertThat(expander.expand(List.of("assume:a"))).containsExactly("assume:a", "assume:b", "x", "y");
        assertThat(expander.expand(List.of("assume:self"))).containsExactly("assume:self", "z");
    }

    @Test
    void trailingStarRoleIsAssumedByLongerScopes() {
        RoleExpander expander = RoleExpander.of(List.of(role("repo:*", "queue:route:index.repo")));
        assertThat(expander.expand(List.of("assume:repo:foo"))).contains("queue:route:index.repo");
        assertThat(expander.expand(List.of("assume:repo:"))).contains("queue:route:index.repo");
        assertThat(expander.expand(List.of("assume:rep"))).containsExactly("assume:rep");
    }

    @Test
    void heldStarScopeAssumesEveryMatchingRole() {
        RoleExpander expander = RoleExpander.of(List.of(
                role("repo:a", "sa"),
                role("repo:b", "sb"),
                role("repo-other", "so"),
                role("worker:x", "sw")));
        assertThat(expander.expand(List.of("assume:repo:*"))).containsExactly("assume:repo:*", "sa", "sb");
        assertThat(expander.expand(List.of("assume:repo*"))).containsExactly("assume:repo*", "sa", "sb", "so");
        assertThat(expander.expand(List.of("*"))).containsExactly("*");
        assertThat(expander.expand(List.of("assume:*"))).containsExactly("assume:*", "sa", "sb", "so", "sw");
        assertThat(expander.expand(List.of("ass*"))).containsExactly("ass*", "sa", "sb", "so", "sw");
    }

    @Test
    void parameterisedRolesSubstituteTheMatchedSuffix() {
        RoleExpander expander = RoleExpander.of(List.of(
                role("project:*", "secrets:get:project/<..>/*", "index:insert-task:project.<..>.*", "plain")));
        assertThat(expander.expand(List.of("assume:project:ci")))
                .containsExactly("assume:project:ci", "index:insert-task:project.ci.*", "plain",
                        "secrets:get:project/ci/*");
    }

    @Test
    void starParameterCutsTheScopeAfterTheStar() {
        RoleExpander expander = RoleExpander.of(List.of(role("project:*", "secrets:get:project/<..>/x", "plain")));
        assertThat(expander.expand(List.of("assume:project:c*")))
                .containsExactly("assume:project:c*", "plain", "secrets:get:project/c*");
        // The held star stops short of the role prefix: the parameter is "*".
        assertThat(expander.expand(List.of("assume:proj*")))
                .containsExactly("assume:proj*", "plain", "secrets:get:project/*");
    }

    @Test
    void parameterisedRolesChainAndNormalise() {
        RoleExpander expander = RoleExpander.of(List.of(
                role("hook:*", "assume:project:<..>"),
                role("project:*", "p:<..>"),
                role("project:big", "big")));
        assertThat(expander.expand(List.of("assume:hook:big")))
                .containsExactly("assume:hook:big", "assume:project:big", "big", "p:big");
    }

    @Test
    void growingParameterIsStopped() {
        RoleExpander expander = RoleExpander.of(List.of(role("a*", "assume:ab<..>")));
        assertThatThrownBy(() -> expander.expand(List.of("assume:ax")))
                .isInstanceOf(BerthException.class).hasMessageContaining("parameterised");
    }

    @Test
    void manyRolesExpandQuickly() {
        List<RoleRecord> roles = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            roles.add(role("worker:" + i, "assume:worker:" + (i + 1), "s" + i));
        }
        RoleExpander expander = RoleExpander.of(roles);
        long start = System.nanoTime();
        assertThat(expander.expand(List.of("assume:worker:0"))).hasSize(4001);
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }
}
