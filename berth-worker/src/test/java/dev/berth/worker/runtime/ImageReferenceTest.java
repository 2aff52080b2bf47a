package dev.berth.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {

    @Test
    void bareNameGetsLatestOnDockerHub() {
        assertThat(ImageReference.parse("busybox")).isEqualTo(new ImageReference("docker.io", "busybox", "latest", null));
        assertThat(ImageReference.parse("busybox").canonical()).isEqualTo("busybox:latest");
    }

    @Test
    void registryWithPortIsNotATag() {
        assertThat(ImageReference.parse("reg.example.com:5000/team/img"))
                .isEqualTo(new ImageReference("reg.example.com:5000", "reg.example.com:5000/team/img", "latest", null));
        assertThat(ImageReference.parse("localhost/img:1").registry()).isEqualTo("localhost");
    }

    @Test
    void userPathIsNotARegistry() {
        assertThat(ImageReference.parse("berth-test/busybox:latest"))
                .isEqualTo(new ImageReference("docker.io", "berth-test/busybox", "latest", null));
    }

    @Test
    void digestWithoutTag() {
        ImageReference ref = ImageReference.parse("img@sha256:abc");
        assertThat(ref.tag()).isNull();
        assertThat(ref.digest()).isEqualTo("sha256:abc");
        assertThat(ref.canonical()).isEqualTo("img@sha256:abc");
    }

    @Test
    void limitsPrintForHumans() {
        assertThat(new ResourceLimits(8L << 20, 0, 10).memoryForHumans()).isEqualTo("8 MiB");
        assertThat(new ResourceLimits(2L << 30, 0, 10).memoryForHumans()).isEqualTo("2 GiB");
        assertThat(new ResourceLimits(1000, 0, 10).memoryForHumans()).isEqualTo("1000 bytes");
    }

    @Test
    void credentialsNeverPrintThePassword() {
        assertThat(new RegistryCredentials("r", "u", "secret").toString()).doesNotContain("secret");
    }
}
