package dev.berth.core.dockerworker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequiredScopesTest {

    private static final String QUEUE = "proj/docker";

    @Test
    void aCacheIsGrantedByItsOwnScope() {
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("objdir")),
                List.of("docker-worker:cache:objdir"))).isEmpty();
    }

    @Test
    void aCacheIsGrantedByTheScopeNamingItsTaskQueue() {
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("objdir")),
                List.of("docker-worker:cache:objdir:proj/docker"))).isEmpty();
    }

    @Test
    void theTaskQueueFormForAnotherQueueDoesNotGrantTheCache() {
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("objdir")),
                List.of("docker-worker:cache:objdir:other/queue"))).containsExactly("docker-worker:cache:objdir");
    }

    @Test
    void aStarPatternGrantsEveryCacheWithItsPrefix() {
        List<String> held = List.of("docker-worker:cache:gecko-*");
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("gecko-objdir", "gecko-1", "other")), held))
                .containsExactly("docker-worker:cache:other");
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("x")), List.of("docker-worker:*"))).isEmpty();
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("x")), List.of("*"))).isEmpty();
    }

    @Test
    void aStarInsideAScopeIsLiteral() {
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("ab")), List.of("docker-worker:cache:*b")))
                .containsExactly("docker-worker:cache:ab");
    }

    @Test
    void aCacheScopeForALongerNameDoesNotGrantAShorterOne() {
        assertThat(RequiredScopes.missing(RequiredScopes.caches(QUEUE, List.of("obj")), List.of("docker-worker:cache:objdir")))
                .containsExactly("docker-worker:cache:obj");
    }

    @Test
    void everyKindOfRequestNamesItsScopeInPayloadOrder() {
        RequiredScopes.Request request = new RequiredScopes.Request(QUEUE, List.of("c1"), true, true,
                RequiredScopes.devicesOn(Map.of("kvm", true)), List.of("allowPtrace"), "registry.example/team/app:1");
        assertThat(RequiredScopes.missing(request, List.of())).containsExactly(
                "docker-worker:cache:c1",
                "docker-worker:capability:privileged",
                "docker-worker:capability:disableSeccomp",
                "docker-worker:capability:device:kvm",
                "docker-worker:feature:allowPtrace",
                "docker-worker:image:registry.example/team/app:1");
    }

    @Test
    void heldScopesRemoveOnlyWhatTheyGrant() {
        RequiredScopes.Request request = new RequiredScopes.Request(QUEUE, List.of(), true, false,
                List.of("kvm", "loopbackVideo"), List.of(), null);
        assertThat(RequiredScopes.missing(request, List.of("docker-worker:capability:device:*")))
                .containsExactly("docker-worker:capability:privileged");
    }

    @Test
    void aPublicImageAndAnEmptyPayloadNeedNothing() {
        RequiredScopes.Request request = new RequiredScopes.Request(QUEUE, List.of(), false, false, List.of(), List.of(), null);
        assertThat(RequiredScopes.of(request)).isEmpty();
    }

    @Test
    void devicesSwitchedOffNeedNoScope() {
        assertThat(RequiredScopes.devicesOn(Map.of("kvm", false))).isEmpty();
    }
}
