package dev.berth.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.run.RecordingReporter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskingRunReporterTest {

    private final RecordingReporter recorded = new RecordingReporter();
    private final MaskingRunReporter reporter = new MaskingRunReporter(recorded, List.of("registry-pw"));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theTailHeldBackIsReleasedBeforeTheLogIsFinished() throws Exception {
        reporter.addSecrets(List.of("decrypted-value"));
        reporter.appendLog(utf8("a decrypted-va"));
        reporter.appendLog(utf8("lue and the registry-p"));
        assertThat(recorded.log()).doesNotContain("decrypted-va").doesNotContain("registry-p");
        reporter.appendLog(utf8("w; last words: decrypted"));
        reporter.finishLog("public/logs/live.log", Instant.now());
        assertThat(recorded.log()).isEqualTo("a [secret] and the [secret]; last words: decrypted");
        assertThat(recorded.finishedLogName).isEqualTo("public/logs/live.log");
    }

    @Test
    void errorArtifactMessagesTheWorkerWritesAreMaskedTaskFilesAreNot() throws Exception {
        reporter.createErrorArtifact("public/x", "file-missing-on-worker", "no such file: /tmp/registry-pw", Instant.now());
        assertThat(recorded.errorArtifacts.get("public/x").message()).isEqualTo("no such file: /tmp/[secret]");
        byte[] file = utf8("the task's own registry-pw");
        reporter.uploadArtifact("public/f", "text/plain", Instant.now(), file.length, new ByteArrayInputStream(file));
        assertThat(recorded.artifacts.get("public/f").text()).isEqualTo("the task's own registry-pw");
    }
}
