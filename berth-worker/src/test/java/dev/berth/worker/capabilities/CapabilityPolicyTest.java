package dev.berth.worker.capabilities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.worker.payload.DockerPayload.Capabilities;
import dev.berth.worker.runtime.HostAccess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityPolicyTest {

    private static final Set<Path> HOST = Set.of(Path.of("/dev/kvm"), Path.of("/dev/shm"));

    private static CapabilityPolicy.Decision decide(CapabilityConfig config, Capabilities asked) {
        return new CapabilityPolicy(config, HOST::contains).decide(asked);
    }

    @Test
    void nothingAskedGivesNothing() {
        CapabilityPolicy.Decision d = decide(CapabilityConfig.NONE, Capabilities.NONE);
        assertThat(d.notAllowed()).isEmpty();
        assertThat(d.unavailable()).isEmpty();
        assertThat(d.access().isNone()).isTrue();
    }

    @Test
    void privilegedIsRefusedUnlessTheWorkerConfigAllowsItNamingTheSwitch() {
        Capabilities asked = new Capabilities(true, false, Map.of());
        assertThat(decide(CapabilityConfig.NONE, asked).notAllowed()).singleElement().asString()
                .contains("capabilities.privileged").contains("BERTH_WORKER_ALLOW_PRIVILEGED");
        CapabilityPolicy.Decision allowed = decide(new CapabilityConfig(true, false, Map.of()), asked);
        assertThat(allowed.notAllowed()).isEmpty();
        assertThat(allowed.access().privileged()).isTrue();
    }

    @Test
    void disableSeccompIsRefusedUnlessAllowed() {
        Capabilities asked = new Capabilities(false, true, Map.of());
        assertThat(decide(CapabilityConfig.NONE, asked).notAllowed()).singleElement().asString()
                .contains("BERTH_WORKER_ALLOW_DISABLE_SECCOMP");
        assertThat(decide(new CapabilityConfig(false, true, Map.of()), asked).access().seccompUnconfined()).isTrue();
    }

    @Test
    void aDeviceNotAllowedIsRefusedAndAnUnknownOneNamed() {
        CapabilityPolicy.Decision d = decide(CapabilityConfig.NONE, new Capabilities(false, false,
                Map.of("kvm", true, "teleporter", true, "loopbackAudio", false)));
        assertThat(d.notAllowed()).hasSize(2);
        assertThat(d.notAllowed()).anySatisfy(l -> assertThat(l).contains("capabilities.devices.kvm").contains("BERTH_WORKER_DEVICES"));
        assertThat(d.notAllowed()).anySatisfy(l -> assertThat(l).contains("teleporter: unknown device"));
    }

    @Test
    void allowedDevicesAreMappedIntoTheContainer() {
        CapabilityConfig config = new CapabilityConfig(false, false,
                Map.of("kvm", Path.of("/dev/kvm"), "hostSharedMemory", Path.of("/dev/shm")));
        CapabilityPolicy.Decision d = decide(config, new Capabilities(false, false, Map.of("kvm", true, "hostSharedMemory", true)));
        assertThat(d.notAllowed()).isEmpty();
        assertThat(d.unavailable()).isEmpty();
        assertThat(d.access().devices()).containsExactly(new HostAccess.Device("/dev/kvm", "/dev/kvm"));
        assertThat(d.access().binds()).containsExactly(new HostAccess.Bind("/dev/shm", "/dev/shm"));
    }

    @Test
    void anAllowedDeviceTheHostLacksIsUnavailableNamingIt() {
        CapabilityConfig config = new CapabilityConfig(false, false, Map.of("loopbackVideo", Path.of("/dev/video7")));
        CapabilityPolicy.Decision d = decide(config, new Capabilities(false, false, Map.of("loopbackVideo", true)));
        assertThat(d.notAllowed()).isEmpty();
        assertThat(d.unavailable()).containsExactly(
                "device loopbackVideo is not available on this worker's host: /dev/video7 does not exist");
    }

    @Test
    void theConfigSectionAndItsEnvironmentVariablesAreRead() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree("privileged: true\ndevices: {kvm: true, loopbackVideo: /dev/video3, loopbackAudio: false}\n");
        CapabilityConfig fromFile = CapabilityConfigReader.read(yaml, Map.of());
        assertThat(fromFile.privileged()).isTrue();
        assertThat(fromFile.disableSeccomp()).isFalse();
        assertThat(fromFile.devices()).containsExactly(Map.entry("kvm", Path.of("/dev/kvm")),
                Map.entry("loopbackVideo", Path.of("/dev/video3")));
        CapabilityConfig fromEnv = CapabilityConfigReader.read(yaml, Map.of("BERTH_WORKER_ALLOW_PRIVILEGED", "false",
                "BERTH_WORKER_DEVICES", "hostSharedMemory, kvm=/dev/kvm2"));
        assertThat(fromEnv.privileged()).isFalse();
        assertThat(fromEnv.devices()).containsExactly(Map.entry("hostSharedMemory", Path.of("/dev/shm")),
                Map.entry("kvm", Path.of("/dev/kvm2")));
        assertThat(CapabilityConfigReader.read(null, Map.of())).isEqualTo(CapabilityConfig.NONE);
        assertThatThrownBy(() -> CapabilityConfigReader.read(null, Map.of("BERTH_WORKER_DEVICES", "gpu")))
                .hasMessageContaining("unknown device 'gpu'");
        assertThatThrownBy(() -> CapabilityConfigReader.read(null, Map.of("BERTH_WORKER_DEVICES", "kvm=dev/kvm")))
                .hasMessageContaining("must be absolute");
    }

    @Test
    void theEnginesRefusalOfAnAllowedCapabilityIsTheHostsFault() {
        HostAccess kvm = new HostAccess(false, false, List.of(new HostAccess.Device("/dev/kvm", "/dev/kvm")), List.of());
        assertThat(CapabilityPolicy.isHostRefusal(kvm, "error gathering device information while adding custom device \"/dev/kvm\"")).isTrue();
        assertThat(CapabilityPolicy.isHostRefusal(kvm, "exec: \"nope\": executable file not found in $PATH")).isFalse();
        assertThat(CapabilityPolicy.isHostRefusal(HostAccess.NONE, "unable to apply caps: operation not permitted")).isFalse();
    }
}
