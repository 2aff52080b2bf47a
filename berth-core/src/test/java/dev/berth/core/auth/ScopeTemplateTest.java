package dev.berth.core.auth;

import static dev.berth.core.auth.ScopeTemplate.allOf;
import static dev.berth.core.auth.ScopeTemplate.anyOf;
import static dev.berth.core.auth.ScopeTemplate.forEach;
import static dev.berth.core.auth.ScopeTemplate.ifThen;
import static dev.berth.core.auth.ScopeTemplate.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScopeTemplateTest {

    private static final ScopeTemplate CREATE = allOf(
            forEach("scope", "scopes", "<scope>"),
            scope("queue:scheduler-id:<schedulerId>"),
            anyOf(forEach("priority", "priorities", "queue:create-task:<priority>:<taskQueueId>")));

    @Test
    void rendersParametersAndExpandsLoopsInPlace() {
        ScopeExpression e = CREATE.render(Map.of("scopes", List.of("a", "b"), "schedulerId", "s",
                "priorities", List.of("high", "highest"), "taskQueueId", "p/w"));
        assertThat(e.toString()).isEqualTo(
                "AllOf(a, b, queue:scheduler-id:s, AnyOf(queue:create-task:high:p/w, queue:create-task:highest:p/w))");
        assertThat(e.satisfiedBy(List.of("a", "b", "queue:scheduler-id:*", "queue:create-task:highest:p/w"))).isTrue();
        assertThat(e.satisfiedBy(List.of("a", "queue:scheduler-id:*", "queue:create-task:highest:p/w"))).isFalse();
    }

    @Test
    void fillsOnlyWellFormedHolesLeavingOtherAngleBracketsAsWritten() {
        Map<String, Object> params = Map.of("x", "X", "y_1", "Y", "a", "$1\\");
        assertThat(scope("<<x>-<1y>-<y_1>-<>-<x-<a>>-end<").render(params).toString())
                .isEqualTo("<X-<1y>-Y-<>-<x-$1\\>-end<");
        assertThat(scope("no holes").render(Map.of()).toString()).isEqualTo("no holes");
        assertThat(scope("<x><x>").render(params).toString()).isEqualTo("XX");
    }

    @Test
    void writesTaskclustersJsonShape() throws Exception {
        assertThat(CREATE.toJson()).isEqualTo(Json.MAPPER.readTree("""
                {"AllOf":[{"each":"<scope>","for":"scope","in":"scopes"},"queue:scheduler-id:<schedulerId>",
                 {"AnyOf":[{"each":"queue:create-task:<priority>:<taskQueueId>","for":"priority","in":"priorities"}]}]}"""));
        assertThat(ifThen("tokenInvalid", scope("x:<id>")).toJson()).isEqualTo(Json.MAPPER.readTree("""
                {"if":"tokenInvalid","then":"x:<id>"}"""));
    }

    @Test
    void namesTheParametersItReadsButNotLoopVariables() {
        assertThat(CREATE.params()).containsExactlyInAnyOrder("scopes", "schedulerId", "priorities", "taskQueueId");
    }

    @Test
    void ifThenNeedsNothingWhenTheFlagIsFalse() {
        ScopeTemplate t = ifThen("tokenInvalid", scope("queue:create-artifact:<taskId>"));
        assertThat(t.render(Map.of("tokenInvalid", false, "taskId", "T")).satisfiedBy(List.of())).isTrue();
        assertThat(t.render(Map.of("tokenInvalid", true, "taskId", "T")).satisfiedBy(List.of())).isFalse();
    }

    @Test
    void aParameterThatCannotBeAScopeIsAnInputError() {
        assertThatThrownBy(() -> scope("queue:get-task:<taskId>").render(Map.of("taskId", "a\u0000b")))
                .isInstanceOf(BerthException.class);
    }

    @Test
    void aMissingParameterIsAProgrammingError() {
        assertThatThrownBy(() -> scope("queue:get-task:<taskId>").render(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("taskId");
    }
}
