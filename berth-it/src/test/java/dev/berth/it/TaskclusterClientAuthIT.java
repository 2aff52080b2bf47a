package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client against Berth's auth service (src/test/js/auth-compat.js). */
class TaskclusterClientAuthIT {

    @Test
    void theOfficialClientsTestAuthenticateAndAuthenticateHawkWorkAgainstBerth() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("auth-compat.js").against(r).runPassing(120);
            assertThat(out.oks()).as(out.text()).hasSize(9);
        }
    }
}
