package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client against Berth's worker-manager service (src/test/js/worker-manager-compat.js). */
class TaskclusterClientWorkerManagerIT {

    @Test
    void theOfficialClientsWorkerManagerCallsWorkWithTaskclustersScopes() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("worker-manager-compat.js").against(r).runPassing(120);
            assertThat(out.oks()).as(out.text()).hasSize(14);
        }
    }
}
