package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The official npm taskcluster-client's Index class against Berth's index service (src/test/js/index-compat.js). */
class TaskclusterClientIndexIT {

    @Test
    void theOfficialClientInsertsFindsListsAndFollowsIndexedArtifacts() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("index-compat.js").against(r).runPassing(180);
            assertThat(out.oks()).as(out.text()).hasSize(9);
        }
    }
}
