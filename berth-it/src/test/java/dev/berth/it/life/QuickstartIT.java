package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.it.life.LifeSupport.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth quickstart --exit}: a new user's first command, from the packaged distribution in an empty directory. */
class QuickstartIT {

    @TempDir
    Path dir;

    /** The default worker id is the host name; a fixed one keeps its leftover cleanup away from anyone else's containers. */
    private final String workerId = "life-qs-" + LifeSupport.shortId();

    @BeforeAll
    static void docker() {
        LifeSupport.requireDocker();
    }

    @AfterEach
    void cleanUp() {
        LifeSupport.removeContainers(LABEL_WORKER_ID, workerId);
    }

    @Test
    void quickstartRunsTheSampleTaskShowsItsLiveLogAndExitsZero() {
        Result r = LifeSupport.run(LifeSupport.berth(dir, Map.of("BERTH_WORKER_ID", workerId, "BERTH_WORKER_MEMORY", "256m"),
                "quickstart", "--exit", "--port", "0", "--image", LifeSupport.IMAGE), Duration.ofMinutes(3));
        assertThat(r.exitCode()).as("quickstart --exit: %s", r).isZero();
        assertThat(r.out())
                .contains("Berth is up at http://localhost:")
                .containsPattern("Hello from Berth: task [A-Za-z0-9_-]{22}, run 0")
                .contains("step 1 of 3").contains("step 2 of 3").contains("step 3 of 3").contains("done")
                .containsPattern("task [A-Za-z0-9_-]{22} completed in a container that is gone now")
                .contains("Root credentials: ");
        // it made its state under the working directory, where the CLI looks for it
        assertThat(dir.resolve(".berth/root-credentials.json")).isRegularFile();
        assertThat(LifeSupport.containers(LABEL_WORKER_ID, workerId)).as("no container left behind").isEmpty();
        assertThat(Files.exists(dir.resolve(".berth"))).isTrue();
    }
}
