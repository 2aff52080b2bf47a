package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client against Berth's purge-cache service (src/test/js/purge-cache-compat.js). */
class TaskclusterClientPurgeCacheIT {

    @Test
    void theOfficialClientsPurgeCacheCallsWorkWithTaskclustersScopes() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("purge-cache-compat.js").against(r).runPassing(120);
            assertThat(out.oks()).as(out.text()).hasSize(7);
        }
    }
}
