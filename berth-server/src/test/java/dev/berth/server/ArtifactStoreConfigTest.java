package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreConfigTest {

    @TempDir
    Path dir;

    private static Map<String, String> s3Env() {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_ARTIFACT_STORE", "s3");
        env.put("BERTH_S3_ENDPOINT", "http://127.0.0.1:9500");
        env.put("BERTH_S3_BUCKET", "artifacts");
        env.put("BERTH_S3_ACCESS_KEY", "key");
        env.put("BERTH_S3_SECRET_KEY", "secret");
        return env;
    }

    @Test
    void localIsTheDefault() {
        assertThat(ServerConfig.load(null, Map.of()).artifactStore()).isEqualTo(ArtifactStoreConfig.LOCAL);
    }

    @Test
    void s3SettingsComeFromTheEnvironmentWithRegionDefaulted() {
        ArtifactStoreConfig c = ServerConfig.load(null, s3Env()).artifactStore();

        assertThat(c.kind()).isEqualTo("s3");
        assertThat(c.s3().endpoint()).isEqualTo(URI.create("http://127.0.0.1:9500"));
        assertThat(c.s3().bucket()).isEqualTo("artifacts");
        assertThat(c.s3().region()).isEqualTo("us-east-1");
        assertThat(c.toString()).as("the secret key is never shown").doesNotContain("secret");
    }

    @Test
    void s3SettingsComeFromTheConfigFileAndTheEnvironmentWins() throws Exception {
        Path file = dir.resolve("server.yaml");
        Files.writeString(file, """
                artifactStore: s3
                s3:
                  endpoint: https://s3.example.test
                  bucket: from-file
                  region: eu-west-1
                  accessKey: ak
                  secretKey: sk
                """);

        ArtifactStoreConfig fromFile = ServerConfig.load(file, Map.of()).artifactStore();
        ArtifactStoreConfig overridden = ServerConfig.load(file, Map.of("BERTH_S3_BUCKET", "from-env")).artifactStore();

        assertThat(fromFile.s3().bucket()).isEqualTo("from-file");
        assertThat(fromFile.s3().region()).isEqualTo("eu-west-1");
        assertThat(overridden.s3().bucket()).isEqualTo("from-env");
    }

    @Test
    void anUnknownStoreOrAMissingS3SettingIsRefusedByName() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("BERTH_ARTIFACT_STORE", "ftp")))
                .isInstanceOf(BerthException.class).hasMessageContaining("artifactStore must be local or s3");
        for (String missing : new String[] {"BERTH_S3_ENDPOINT", "BERTH_S3_BUCKET", "BERTH_S3_ACCESS_KEY", "BERTH_S3_SECRET_KEY"}) {
            Map<String, String> env = s3Env();
            env.remove(missing);
            assertThatThrownBy(() -> ServerConfig.load(null, env)).as(missing)
                    .isInstanceOf(BerthException.class).hasMessageContaining(missing);
        }
        Map<String, String> badEndpoint = s3Env();
        badEndpoint.put("BERTH_S3_ENDPOINT", "ftp://host");
        assertThatThrownBy(() -> ServerConfig.load(null, badEndpoint))
                .isInstanceOf(BerthException.class).hasMessageContaining("s3.endpoint must be an http(s) URL");
    }
}
