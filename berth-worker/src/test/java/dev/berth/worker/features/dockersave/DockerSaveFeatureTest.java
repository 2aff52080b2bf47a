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
    void aPayloadWithEncryptedEnvIsRefusedBeforeTheContainerIsMadeAsItsSecretsWouldBeInThePublicImage() {
        var run = dev.berth.worker.run.Fixtures.run("{\"image\":\"x\",\"command\":[\"true\"],\"maxRunTime\":10,"
                + "\"features\":{\"dockerSave\":true},\"encryptedEnv\":[\"c2VjcmV0\"]}");
        var checked = new dev.berth.worker.payload.PayloadValidator().validate(run.task().payload());
        assertThat(checked.valid()).as("%s", checked.problems()).isTrue();
        var featureRun = new dev.berth.worker.features.FeatureRun(run, checked.payload(), null,
                dev.berth.worker.run.Fixtures.settings("w"), null, null, null, line -> {}, java.time.Clock.systemUTC());

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DockerSaveFeature(dataDir).open(featureRun)
                        .beforeCreate(new dev.berth.worker.features.ContainerSetup(null)))
                .isInstanceOfSatisfying(dev.berth.worker.features.FeatureFailure.class, f ->
                        assertThat(f.reason()).isEqualTo(dev.berth.core.task.ReasonResolved.MALFORMED_PAYLOAD))
                .hasMessageContaining("encryptedEnv");
    }

    @Test
    void spoolFilesLeftByAWorkerThatStoppedMidSaveAreRemovedAtStart() throws Exception {
        Path spool = Files.createDirectories(dataDir.resolve("docker-save"));
        Files.writeString(spool.resolve("abc-0-123.tar.zst"), "half a save");

        new DockerSaveFeature(dataDir);

        assertThat(spool).isEmptyDirectory();
    }
}
