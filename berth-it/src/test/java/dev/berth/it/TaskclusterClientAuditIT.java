package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client reads the audit history Berth keeps of clients and roles (src/test/js/audit-compat.js). */
class TaskclusterClientAuditIT {

    @Test
    void theOfficialClientShowsWhoChangedAClientOrRoleAndWhen() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("audit-compat.js").against(r).runPassing(120);
            assertThat(out.oks()).as(out.text()).hasSize(6);
        }
    }
}
