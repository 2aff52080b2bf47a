package dev.berth.worker.features.ptrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.task.ReasonResolved;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.run.ClaimedRun;
import dev.berth.worker.run.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllowPtraceFeatureTest {

    @TempDir
    Path tmp;

    private final List<String> taskLog = new ArrayList<>();
    private final ClaimedRun claimed = Fixtures.run("{}");

    private FeatureRun run() {
        return new FeatureRun(claimed, null, null, null, null, null, null, taskLog::add, Clock.systemUTC());
    }

    /** The host's AppArmor as files under tmp: the kernel switch says {@code enabled}, the parser is there or not. */
    private AppArmor hostWith(String enabled, boolean parser) throws IOException {
        Path switchFile = tmp.resolve("enabled");
        if (enabled != null) Files.writeString(switchFile, enabled + "\n");
        Path parserFile = tmp.resolve("apparmor_parser");
        if (parser) {
            Files.writeString(parserFile, "#!/bin/sh\nexit 0\n");
            parserFile.toFile().setExecutable(true);
        }
        return new AppArmor(switchFile, List.of(parserFile), tmp.resolve("profiles"));
    }

    @Test
    void needsTheDockerWorkerFeatureScope() throws IOException {
        AllowPtraceFeature feature = new AllowPtraceFeature(hostWith(null, false));
        assertThat(feature.key()).isEqualTo("allowPtrace");
        assertThat(feature.requiredScopes(null)).containsExactly("docker-worker:feature:allowPtrace");
        assertThat(feature.needsTaskNetwork()).isFalse();
    }

    @Test
    void withoutAppArmorGivesOnlyTheCapabilityAndSaysSo() throws Exception {
        ContainerSetup setup = new ContainerSetup(null);
        try (RunFeature f = new AllowPtraceFeature(hostWith(null, true)).open(run())) {
            f.beforeCreate(setup);
        }
        assertThat(setup.additions().capAdd()).containsExactly("SYS_PTRACE");
        assertThat(setup.additions().securityOpts()).isEmpty();
        assertThat(taskLog).singleElement().asString()
                .contains("CAP_SYS_PTRACE given", "AppArmor is not active on this host", "all ptrace needs");
    }

    @Test
    void aKernelWithAppArmorButNoParserIsNotConfining() throws IOException {
        AppArmor host = hostWith("Y", false);
        assertThat(host.kernelEnabled()).isTrue();
        assertThat(host.active()).isFalse();
        assertThat(host.describe()).contains("apparmor_parser is not installed");
        assertThat(hostWith("N", true).active()).isFalse();
    }

    @Test
    void withAppArmorLoadsARunProfileUsesItAndRemovesItWhenTheRunIsOver() throws Exception {
        hostWith("Y", true);
        RecordingAppArmor host = new RecordingAppArmor(tmp.resolve("enabled"), tmp.resolve("apparmor_parser"));
        ContainerSetup setup = new ContainerSetup(null);
        RunFeature f = new AllowPtraceFeature(host).open(run());
        f.beforeCreate(setup);
        String name = "berth-ptrace-" + claimed.taskId().toLowerCase(java.util.Locale.ROOT) + "-0";
        assertThat(host.calls).containsExactly("load " + name);
        assertThat(setup.additions().capAdd()).containsExactly("SYS_PTRACE");
        assertThat(setup.additions().securityOpts()).containsExactly("apparmor=" + name);
        assertThat(taskLog).singleElement().asString().contains("AppArmor profile " + name);

        f.close();
        f.close();
        assertThat(host.calls).containsExactly("load " + name, "remove " + name);
    }

    @Test
    void aProfileTheHostRefusesEndsTheRunResourceUnavailable() throws Exception {
        Path switchFile = tmp.resolve("enabled");
        Files.writeString(switchFile, "Y");
        Path parser = tmp.resolve("apparmor_parser");
        Files.writeString(parser, "#!/bin/sh\necho 'profile refused' >&2\nexit 3\n");
        parser.toFile().setExecutable(true);
        AppArmor host = new AppArmor(switchFile, List.of(parser), tmp.resolve("profiles"));
        try (RunFeature f = new AllowPtraceFeature(host).open(run())) {
            assertThatThrownBy(() -> f.beforeCreate(new ContainerSetup(null)))
                    .isInstanceOfSatisfying(FeatureFailure.class, e -> {
                        assertThat(e.reason()).isEqualTo(ReasonResolved.RESOURCE_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("could not be loaded", "exited 3", "profile refused");
                    });
        }
    }

    @Test
    void theProfileLetsOnlyItsOwnProcessesTraceOneAnother() {
        PtraceProfile p = PtraceProfile.forRun("aB-c_D9xYz", 2);
        assertThat(p.name()).isEqualTo("berth-ptrace-ab-c_d9xyz-2");
        assertThat(p.text()).contains("profile berth-ptrace-ab-c_d9xyz-2 ",
                "ptrace (trace,read,tracedby,readby) peer=berth-ptrace-ab-c_d9xyz-2,", "deny mount,");
    }

    /** The host's switch and parser as given, with loads and removals recorded instead of run. */
    private static final class RecordingAppArmor extends AppArmor {
        final List<String> calls = new ArrayList<>();

        RecordingAppArmor(Path enabled, Path parser) {
            super(enabled, List.of(parser), Path.of("/nonexistent"));
        }

        @Override
        public Path load(String name, String text) {
            calls.add("load " + name);
            return Path.of(name);
        }

        @Override
        public void remove(Path file) {
            calls.add("remove " + file.getFileName());
        }
    }
}
