package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The official npm taskcluster-client's downloadArtifact helper against an in-process server
 * (src/test/js/download-artifact.js): s3, reference, link and error artifacts.
 */
class DownloadArtifactCompatIT {

    @Test
    void theClientsDownloadArtifactFetchesEveryStorageTypeFromBerth() throws Exception {
        try (ItSupport.Running r = ItSupport.h2Server()) {
            ClientScript.Output out = ClientScript.of("download-artifact.js").against(r).runPassing(180);
            assertThat(out.oks()).as(out.text()).hasSize(6);
        }
    }
}
