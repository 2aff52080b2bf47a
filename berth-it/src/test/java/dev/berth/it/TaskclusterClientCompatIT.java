package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Drives an in-process server with the official npm taskcluster-client (src/test/js/compat.js). */
class TaskclusterClientCompatIT {

    @Test
    void theOfficialTaskclusterClientWorksAgainstBerth() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("compat.js").against(r).runPassing(300);
            assertThat(out.oks()).as(out.text()).hasSizeGreaterThanOrEqualTo(5);
        }
    }
}
