package dev.berth.worker.runtime.docker;

import static dev.berth.worker.runtime.docker.DockerTestSupport.TEST_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.worker.run.LeftoverCleaner;
import dev.berth.worker.runtime.ContainerAdditions;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ExecSession;
import dev.berth.worker.runtime.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Processes started in a running container (docker exec with standard input), against a real engine. */
class DockerExecIT {

    private static final String WORKER_ID = "it-exec-" + UUID.randomUUID().toString().substring(0, 8);
    private static DockerContainerRuntime runtime;

    @BeforeAll
    static void engine() {
        runtime = DockerTestSupport.runtime();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (runtime == null) return;
        new LeftoverCleaner(runtime).removeLeftovers(WORKER_ID);
        runtime.close();
    }

    private static String running(List<String> command, ContainerAdditions additions) {
        String id = runtime.createContainer(new ContainerSpec(TEST_IMAGE, command, Map.of(),
                Map.of(ContainerRuntime.LABEL_WORKER_ID, WORKER_ID, ContainerRuntime.LABEL_TASK_ID, "exec",
                        ContainerRuntime.LABEL_RUN_ID, "0"),
                new ResourceLimits(64L << 20, 500_000_000L, 64), null, null, List.of(), dev.berth.worker.runtime.HostAccess.NONE,
                additions));
        runtime.startContainer(id);
        return id;
    }

    /** Collects what an exec says. */
    static final class Collected implements ExecSession.ExecListener {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final CompletableFuture<Long> exit = new CompletableFuture<>();

        @Override
        public synchronized void output(boolean err, byte[] data) {
            (err ? stderr : stdout).writeBytes(data);
        }

        @Override
        public void ended(long exitCode, Throwable error) {
            exit.complete(exitCode);
        }

        synchronized String out() { return stdout.toString(StandardCharsets.UTF_8); }

        synchronized String err() { return stderr.toString(StandardCharsets.UTF_8); }
    }

    @Test
    void aTtySessionTakesInputFollowsAResizeAndEndsWithTheShellsExitCode() throws Exception {
        String id = running(List.of("sleep", "120"), ContainerAdditions.NONE);
        try {
            Collected c = new Collected();
            try (ExecSession s = runtime.exec(id, List.of("sh"), true, c)) {
                s.resize(31, 97);
                s.write("echo hel''lo; stty size\n".getBytes(StandardCharsets.UTF_8));
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> c.out().contains("31 97"));
                s.resize(40, 120);
                s.write("stty size; exit 3\n".getBytes(StandardCharsets.UTF_8));
                assertThat(c.exit.get(30, TimeUnit.SECONDS)).isEqualTo(3L);
            }
            assertThat(c.out()).contains("hello").contains("31 97").contains("40 120");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void aSessionWithoutTtyReadsItsInputAndKeepsStderrApart() throws Exception {
        String id = running(List.of("sleep", "120"), ContainerAdditions.NONE);
        try {
            Collected c = new Collected();
            try (ExecSession s = runtime.exec(id, List.of("sh", "-c", "read line; echo \"$line\"; echo oops >&2; exit 5"), false, c)) {
                s.write("from stdin\n".getBytes(StandardCharsets.UTF_8));
                assertThat(c.exit.get(30, TimeUnit.SECONDS)).isEqualTo(5L);
            }
            assertThat(c.out()).isEqualTo("from stdin\n");
            assertThat(c.err()).isEqualTo("oops\n");
        } finally {
            runtime.removeContainer(id);
        }
    }

    @Test
    void anEntrypointMayWrapWhatTheImageWouldRun() throws Exception {
        // the test image's entrypoint is empty and its command is sh: wrapped, the payload's command is the arguments
        ContainerAdditions wrap = new ContainerAdditions(null, List.of(), Map.of(), List.of(), List.of(), List.of(),
                List.of("/bin/sh", "-c", "echo wrapped \"$@\"; exit 7", "wrapper", ContainerAdditions.IMAGE_COMMAND));
        String id = running(List.of("echo", "inner"), wrap);
        try {
            assertThat(runtime.awaitExit(id, Duration.ofSeconds(30)).orElseThrow().exitCode()).isEqualTo(7);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            runtime.followOutput(id, out::writeBytes).awaitEnd(Duration.ofSeconds(10));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("wrapped echo inner\n");
        } finally {
            runtime.removeContainer(id);
        }
    }
}
