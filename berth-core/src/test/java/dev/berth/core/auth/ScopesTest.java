package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScopesTest {

    @Test
    void exactAndStarMatching() {
        assertThat(Scopes.satisfies("queue:get-task:abc", "queue:get-task:abc")).isTrue();
        assertThat(Scopes.satisfies("queue:get-task:*", "queue:get-task:abc")).isTrue();
        assertThat(Scopes.satisfies("queue:get-task:*", "queue:get-task:")).isTrue();
        assertThat(Scopes.satisfies("queue:*", "queue:get-task:*")).isTrue();
        assertThat(Scopes.satisfies("*", "anything")).isTrue();
        assertThat(Scopes.satisfies("queue:get-task:abc", "queue:get-task:*")).isFalse();
        assertThat(Scopes.satisfies("queue:get-task:ab", "queue:get-task:abc")).isFalse();
        assertThat(Scopes.satisfies("queue:get-task:a*c", "queue:get-task:abc")).isFalse();
        assertThat(Scopes.satisfies("queue:get-*:x", "queue:get-task:x")).isFalse();
    }

    @Test
    void missingListsUnsatisfiedScopes() {
        List<String> held = List.of("a:*", "b:c");
        assertThat(Scopes.satisfiesAll(held, List.of("a:x", "b:c"))).isTrue();
        assertThat(Scopes.missing(held, List.of("a:x", "b:d", "c"))).containsExactly("b:d", "c");
    }

    @Test
    void normalizeDropsImpliedSortsAndDedupes() {
        assertThat(Scopes.normalize(List.of("b", "a:x", "a:*", "a:*", "a:y*", "a", "c*", "c*")))
                .containsExactly("a", "a:*", "b", "c*");
        assertThat(Scopes.normalize(List.of("x", "*", "y"))).containsExactly("*");
        assertThat(Scopes.normalize(List.of())).isEmpty();
    }

    @Test
    void expressionsSatisfactionAndMissing() {
        ScopeExpression expression = ScopeExpression.fromJson(Json.tree(
                "{\"AllOf\":[\"queue:create-task:x\",{\"AnyOf\":[\"queue:route:a\",{\"AllOf\":[\"p\",\"q\"]}]}]}"));
        assertThat(expression.satisfiedBy(List.of("queue:*", "queue:route:a"))).isTrue();
        assertThat(expression.satisfiedBy(List.of("queue:create-task:*", "p", "q"))).isTrue();
        assertThat(expression.satisfiedBy(List.of("queue:create-task:*", "p"))).isFalse();
        assertThat(expression.unsatisfied(List.of("queue:create-task:*", "p")).orElseThrow().toJson())
                .isEqualTo(Json.tree("{\"AnyOf\":[\"queue:route:a\",\"q\"]}"));
        assertThat(expression.unsatisfied(List.of("p")).orElseThrow().toString())
                .isEqualTo("AllOf(queue:create-task:x, AnyOf(queue:route:a, q))");
        assertThat(expression.unsatisfied(List.of("*"))).isEmpty();
        assertThat(ScopeExpression.fromJson(expression.toJson())).isEqualTo(expression);
    }

    @Test
    void emptyExpressions() {
        assertThat(ScopeExpression.allOf().satisfiedBy(List.of())).isTrue();
        assertThat(ScopeExpression.anyOf().satisfiedBy(List.of("*"))).isFalse();
        assertThat(ScopeExpression.anyOf().unsatisfied(List.of("*"))).isPresent();
    }

    @Test
    void badExpressionsAreInputErrors() {
        assertThatThrownBy(() -> ScopeExpression.fromJson(Json.tree("{\"OneOf\":[\"a\"]}")))
                .isInstanceOf(BerthException.class).hasMessageContaining("AllOf");
        assertThatThrownBy(() -> ScopeExpression.fromJson(Json.tree("[\"a\"]"))).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> ScopeExpression.scope("tab\there")).isInstanceOf(BerthException.class);
    }
}
