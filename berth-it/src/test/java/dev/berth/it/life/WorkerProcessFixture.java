package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;

import dev.berth.client.BerthClient;
import dev.berth.server.BerthServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of a {@code berth worker} process share: a server in this JVM with the given claim timeout,
 * a worker id and task queue of their own, and a clean-up that cancels the task, stops the worker processes
 * and removes every container of that worker id, whatever the test did.
 */
abstract class WorkerProcessFixture {

    @TempDir
    Path dir;

    protected final String workerId;
    protected final String taskQueueId;
    private final int claimTimeoutSeconds;
    protected BerthServer server;
    protected BerthClient client;
    protected String taskId;

    protected WorkerProcessFixture(String name, int claimTimeoutSeconds) {
        this.workerId = "life-" + name + "-" + LifeSupport.shortId();
        this.taskQueueId = "life-it/" + name + "-" + LifeSupport.shortId();
        this.claimTimeoutSeconds = claimTimeoutSeconds;
    }

    @BeforeAll
    static void docker() {
        LifeSupport.requireDocker();
    }

    @BeforeEach
    void startServer() {
        server = LifeSupport.startServer(dir.resolve("server"), claimTimeoutSeconds);
        client = LifeSupport.rootClient(server);
    }

    /** Stops whatever worker processes the test started. */
    protected abstract void stopWorkers();

    @AfterEach
    void cleanUp() {
        try {
            if (taskId != null) {
                try {
                    client.queue().cancelTask(taskId);
                } catch (RuntimeException ignored) {
                    // resolved already, or the server is gone
                }
            }
        } finally {
            stopWorkers();
            LifeSupport.removeContainers(LABEL_WORKER_ID, workerId);
            if (server != null) server.close();
        }
    }
}
