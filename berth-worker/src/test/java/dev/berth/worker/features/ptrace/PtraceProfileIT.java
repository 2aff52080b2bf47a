package dev.berth.worker.features.ptrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's AppArmor profile compiles with the real {@code apparmor_parser} (installed by
 * scripts/test-image-ptrace.sh): {@code -Q -K} compiles it without loading it, so this runs on hosts whose
 * kernel has no AppArmor as well.
 */
class PtraceProfileIT {

    @TempDir
    Path tmp;

    @Test
    void theRunProfileCompilesWithApparmorParser() throws Exception {
        Path parser = new AppArmor(tmp).parser().orElseThrow(() -> new AssertionError(
                "apparmor_parser is missing: install Debian's apparmor (scripts/test-image-ptrace.sh does)"));
        PtraceProfile profile = PtraceProfile.forRun("Xy-Z_0123456789abcdefgh", 3);
        Path file = tmp.resolve(profile.name());
        Files.writeString(file, profile.text());
        Process p = new ProcessBuilder(parser.toString(), "-Q", "-K", "-S", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] compiled = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("apparmor_parser exit code").isZero();
        // the binary policy names the profile
        assertThat(new String(compiled, StandardCharsets.ISO_8859_1)).contains(profile.name());
    }

    @Test
    void aBrokenProfileIsRefusedByTheSameCheck() throws Exception {
        Path parser = new AppArmor(tmp).parser().orElseThrow(() -> new AssertionError("apparmor_parser is missing"));
        Path file = tmp.resolve("broken");
        Files.writeString(file, "profile broken {\n  ptrace (fly) peer=x,\n}\n");
        Process p = new ProcessBuilder(parser.toString(), "-Q", "-K", "-S", file.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
    }
}
