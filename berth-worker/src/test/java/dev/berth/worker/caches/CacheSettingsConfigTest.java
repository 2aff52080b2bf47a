package dev.berth.worker.caches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheSettingsConfigTest {

    @Test
    void defaultsKeepInstancesInTheEnginesVolumesAndImagesAnHour() {
        CacheSettings c = WorkerConfig.load(null, Map.of()).caches();
        assertThat(c.dir()).isNull();
        assertThat(c.imageIdle()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theEnvironmentSetsTheCacheDirectoryAndImageIdleTime() {
        CacheSettings c = WorkerConfig.load(null, Map.of("BERTH_WORKER_CACHE_DIR", "/srv/caches",
                "BERTH_WORKER_IMAGE_IDLE", "30m")).caches();
        assertThat(c.dir()).isEqualTo(Path.of("/srv/caches"));
        assertThat(c.imageIdle()).isEqualTo(Duration.ofMinutes(30));
        assertThat(WorkerConfig.load(null, Map.of("BERTH_WORKER_IMAGE_IDLE", "90")).caches().imageIdle())
                .isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void aBadImageIdleTimeIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("BERTH_WORKER_IMAGE_IDLE", "soon")))
                .isInstanceOf(BerthException.class).hasMessageContaining("BERTH_WORKER_IMAGE_IDLE");
    }
}
