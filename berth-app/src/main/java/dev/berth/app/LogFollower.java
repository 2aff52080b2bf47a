package dev.berth.app;

import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.core.task.TaskStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/**
 * Copies a task's log artifact to a stream. The server keeps a live log's response open until the run ends,
 * so following is just reading to the end; before the run starts there is no log yet, and the follower waits.
 */
final class LogFollower {

    private LogFollower() {}

    /**
     * @param runId null for the latest run
     * @param waitFor how long to wait for the log to appear (zero: fail at once when there is none)
     * @return false when the task ended, or the wait ran out, without a log
     */
    static boolean copy(BerthClient client, String taskId, Integer runId, String name, Duration waitFor, PrintStream out)
            throws InterruptedException {
        Instant giveUp = Instant.now().plus(waitFor);
        while (true) {
            try (InputStream in = runId == null ? client.queue().getLatestArtifact(taskId, name)
                    : client.queue().getArtifact(taskId, runId, name)) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                return true;
            } catch (BerthApiException e) {
                if (e.statusCode() != 404 || !Instant.now().isBefore(giveUp)) throw e;
                TaskStatus s = client.queue().taskStatus(taskId);
                if (s.state().isResolved() && s.runs().stream().noneMatch(r -> r.started() != null)) return false;
                Thread.sleep(100);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
