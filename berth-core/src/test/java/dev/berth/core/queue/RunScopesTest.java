package dev.berth.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.auth.Scopes;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunScopesTest {

    private final List<String> scopes = RunScopes.of("T1", 2, List.of("docker-worker:cache:a", "secrets:get:x"));

    @Test
    void holdsTheTaskScopesAndTheRunsOwnCallsIncludingItsStatus() {
        assertThat(scopes).containsExactly("docker-worker:cache:a", "secrets:get:x",
                "queue:reclaim-task:T1/2", "queue:resolve-task:T1/2", "queue:create-artifact:T1/2", "queue:status:T1",
                "assume:anonymous");
    }

    @Test
    void doesNotReachAnotherRunOrTask() {
        assertThat(Scopes.satisfiedBy(scopes, "queue:status:T1")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "queue:resolve-task:T1/2")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "queue:resolve-task:T1/1")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "queue:reclaim-task:T2/2")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "queue:status:T2")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "queue:cancel-task:T1")).isFalse();
    }
}
