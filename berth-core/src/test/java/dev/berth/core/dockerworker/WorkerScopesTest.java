package dev.berth.core.dockerworker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.auth.Scopes;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerScopesTest {

    private final List<String> scopes = WorkerScopes.of("proj/docker", "fleet", "*");

    @Test
    void coverClaimingTheScopeCheckAndThePurgeRequestsOfItsOwnPoolOnly() {
        assertThat(Scopes.satisfiedBy(scopes, "queue:claim-work:proj/docker")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "queue:claim-task:proj/docker")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "queue:worker-id:fleet/docker-7")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "auth:expand-scopes")).isTrue();
        assertThat(Scopes.satisfiedBy(scopes, "purge-cache:purge-requests::proj/docker")).isTrue();

        assertThat(Scopes.satisfiedBy(scopes, "purge-cache:purge-requests::proj/other")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "purge-cache:proj/docker:objdir")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "queue:claim-work:proj/other")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "queue:claim-task:proj/other")).isFalse();
        assertThat(Scopes.satisfiedBy(scopes, "auth:create-client:x")).isFalse();
    }
}
