package dev.berth.worker.features.dockersave;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerSaveFeatureTest {

    @TempDir
    Path dataDir;

    @Test
    void theRepositoryIsTheSeedsNameLowerCasedBecauseDockerRefusesUpperCase() {
        assertThat(DockerSaveFeature.repository("FFttudqxQt26o3PlU57I5w", 2)).isEqualTo("task-ffttudqxqt26o3plu57i5w-2");
        assertThat(DockerSaveFeature.repository("a__b-cQ", 0)).isEqualTo("task-a__b-cq-0");
    }

    @Test
    void aTaskIdDockerWouldRefuseEvenLowerCasedHasItsUnderscoresAsDashes() {
        assertThat(DockerSaveFeature.repository("ab_-cdQ", 0)).isEqualTo("task-ab--cdq-0");
        assertThat(DockerSaveFeature.repository("ab___cQ", 1)).isEqualTo("task-ab---cq-1");
    }

    @Test
    void theFeatureNeedsItsDockerWorkerScope() {
        assertThat(new DockerSaveFeature(dataDir).requiredScopes(null)).containsExactly("docker-worker:feature:dockerSave");
    }

    @Test
    void spoolFilesLeftByAWorkerThatStoppedMidSaveAreRemovedAtStart() throws Exception {
        Path spool = Files.createDirectories(dataDir.resolve("docker-save"));
        Files.writeString(spool.resolve("abc-0-123.tar.zst"), "half a save");

        new DockerSaveFeature(dataDir);

        assertThat(spool).isEmptyDirectory();
    }
}
