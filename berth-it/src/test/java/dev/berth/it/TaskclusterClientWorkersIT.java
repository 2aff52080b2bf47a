package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client against Berth's worker metadata routes and quarantine (src/test/js/workers-compat.js). */
class TaskclusterClientWorkersIT {

    @Test
    void theOfficialClientDeclaresListsAndQuarantinesWorkersAndAQuarantinedWorkerGetsNoWork() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("workers-compat.js").against(r).runPassing(120);
            assertThat(out.oks()).as(out.text()).hasSize(7);
        }
    }
}
