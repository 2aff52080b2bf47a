package dev.berth.worker.features.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskclusterRoutesTest {

    @Test
    void apiPathsPassAsSentWithTheirEncoding() {
        assertThat(TaskclusterRoutes.apiPath("/api/queue/v1/task/abc")).contains("/api/queue/v1/task/abc");
        assertThat(TaskclusterRoutes.apiPath("/api/queue/v1/task/abc/runs/0/artifacts/public%2Fx.txt"))
                .contains("/api/queue/v1/task/abc/runs/0/artifacts/public%2Fx.txt");
        assertThat(TaskclusterRoutes.apiPath("/api/auth/v1")).contains("/api/auth/v1");
    }

    @Test
    void dockerWorkersOldFormWithoutApiIsMappedUnderApi() {
        assertThat(TaskclusterRoutes.apiPath("/queue/v1/task/abc")).contains("/api/queue/v1/task/abc");
        assertThat(TaskclusterRoutes.apiPath("/purge-cache/v1/purge-cache/a%2Fb/c"))
                .contains("/api/purge-cache/v1/purge-cache/a%2Fb/c");
    }

    @Test
    void pathsNamingNoApiAreNotForwarded() {
        assertThat(TaskclusterRoutes.apiPath("/")).isEmpty();
        assertThat(TaskclusterRoutes.apiPath("/healthz")).isEmpty();
        assertThat(TaskclusterRoutes.apiPath("/api/queue")).isEmpty();
        assertThat(TaskclusterRoutes.apiPath("/queue/task/abc")).isEmpty();
        assertThat(TaskclusterRoutes.apiPath("/api/v1/x")).isEmpty();
    }
}
