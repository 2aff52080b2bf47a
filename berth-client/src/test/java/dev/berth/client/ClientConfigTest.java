package dev.berth.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {

    @Test
    void environmentWins(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("client.json");
        Files.writeString(file, "{\"rootUrl\":\"https://file\",\"credentials\":{\"clientId\":\"f\",\"accessToken\":\"ft\"}}");
        ClientConfig config = ClientConfig.load(Map.of("TASKCLUSTER_ROOT_URL", "https://env",
                "TASKCLUSTER_CLIENT_ID", "e", "TASKCLUSTER_ACCESS_TOKEN", "et",
                "TASKCLUSTER_CERTIFICATE", "{\"version\":1}"), file);
        assertThat(config.rootUrl()).isEqualTo("https://env");
        assertThat(config.credentials()).isEqualTo(new Credentials("e", "et", "{\"version\":1}"));
        assertThat(config.credentials().toString()).doesNotContain("et");
    }

    @Test
    void fileFillsTheGaps(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("client.json");
        Files.writeString(file, "{\"rootUrl\":\"https://file\",\"credentials\":{\"clientId\":\"f\","
                + "\"accessToken\":\"ft\",\"certificate\":{\"version\":1,\"scopes\":[]}}}");
        ClientConfig config = ClientConfig.load(Map.of("TASKCLUSTER_ROOT_URL", "https://env"), file);
        assertThat(config.rootUrl()).isEqualTo("https://env");
        assertThat(config.credentials().clientId()).isEqualTo("f");
        assertThat(config.credentials().certificate()).isEqualTo("{\"version\":1,\"scopes\":[]}");
    }

    @Test
    void noCredentialsMeansUnsigned(@TempDir Path dir) {
        ClientConfig config = ClientConfig.load(Map.of("TASKCLUSTER_ROOT_URL", "https://env"), dir.resolve("none"));
        assertThat(config.optionalCredentials()).isEmpty();
        assertThatThrownBy(() -> ClientConfig.load(Map.of(), dir.resolve("none")))
                .hasMessageContaining("TASKCLUSTER_ROOT_URL");
    }
}
