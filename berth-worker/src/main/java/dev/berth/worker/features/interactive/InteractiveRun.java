package dev.berth.worker.features.interactive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.core.json.Json;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.runtime.ContainerAdditions;
import dev.berth.worker.runtime.ExecSession;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interactive feature in one run.
 *
 * <p>Keeping the container after the command: the container's entrypoint becomes a small sh script that runs the
 * image's entrypoint and the task's command as a child, writes its exit code to {@code /tmp/.berth-interactive/exit},
 * then waits (sleep 1 in a loop) for {@code /tmp/.berth-interactive/release} and exits with the command's code. So
 * the container, its processes and its files stay for shells, and the run's exit code is the command's. This
 * feature watches for the exit file (one exec) and writes the release file once {@link KeepAlive} says so.
 * The image needs {@code /bin/sh} and {@code sleep}; where {@code /tmp} cannot be written the script exits at once.
 */
final class InteractiveRun implements RunFeature {

    private static final Logger LOG = LoggerFactory.getLogger(InteractiveRun.class);

    static final String DIR = "/tmp/.berth-interactive";
    static final String WRAPPER = "\"$@\"; c=$?\n"
            + "{ mkdir -p " + DIR + " && echo \"$c\" > " + DIR + "/exit; } 2>/dev/null || exit \"$c\"\n"
            + "while [ ! -e " + DIR + "/release ]; do sleep 1; done\n"
            + "exit \"$c\"\n";
    static final String ARTIFACT = "private/docker-worker/shell.html";
    /** Ends the keep-alive this long before maxRunTime, so the runner never kills the container as overdue. */
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final List<String> DEFAULT_COMMAND = List.of("sh");

    private final FeatureRun run;
    private final InteractiveFeature.Settings settings;
    private final Sockets sockets = new Sockets();
    private final List<ShellSession> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile KeepAlive keepAlive;
    private volatile Sockets.Link control;
    private volatile String containerId;
    private Thread watcher;
    private Thread connector;

    InteractiveRun(FeatureRun run, InteractiveFeature.Settings settings) {
        this.run = run;
        this.settings = settings;
    }

    @Override
    public void beforeCreate(ContainerSetup setup) {
        setup.entrypoint(List.of("/bin/sh", "-c", WRAPPER, "berth-interactive", ContainerAdditions.IMAGE_COMMAND));
    }

    @Override
    public void afterStart(String containerId) {
        this.containerId = containerId;
        Instant now = run.clock().instant();
        Instant limit = now.plusSeconds(run.payload().maxRunTimeSeconds()).minus(MARGIN);
        Instant deadline = run.run().task() == null ? null : run.run().task().deadline();
        if (deadline != null && deadline.isBefore(limit)) limit = deadline;
        keepAlive = new KeepAlive(settings.keepAliveAfterExit(), settings.idleAfterSession(), limit);
        watcher = Thread.ofVirtual().name("interactive-" + run.taskId()).start(this::watchAndRelease);
        if (credentials() == null) {
            run.log().accept("interactive: the run has no credentials of its own, so no shell can be served");
            return;
        }
        try {
            createReferenceArtifact();
        } catch (RuntimeException e) {
            LOG.warn("run {}/{}: cannot create {}: {}", run.taskId(), run.runId(), ARTIFACT, e.getMessage());
            run.log().accept("interactive: cannot create the artifact " + ARTIFACT + ": " + e.getMessage());
        }
        connector = Thread.ofVirtual().name("interactive-link-" + run.taskId()).start(this::keepConnected);
    }

    private TemporaryCredentials credentials() {
        return run.claim() == null ? null : run.claim().credentials();
    }

    private String rootUrl() {
        String root = run.settings().rootUrl();
        return root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    /** The WebSocket a person connects to (the server's relay). */
    String socketUrl() {
        String root = rootUrl();
        return root.replaceFirst("^http", "ws") + "/api/berth/v1/shell/" + run.taskId() + "/" + run.runId();
    }

    private URI workerUrl(String tail) {
        return URI.create(rootUrl().replaceFirst("^http", "ws") + "/api/berth/v1/shell/worker/" + run.taskId() + "/"
                + run.runId() + tail);
    }

    /** {@code private/docker-worker/shell.html}: a reference to the server's description of where to connect. */
    private void createReferenceArtifact() {
        TemporaryCredentials c = credentials();
        BerthClient client = new BerthClient(rootUrl(), new Credentials(c.clientId(), c.accessToken(), c.certificate()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("storageType", "reference");
        body.put("url", rootUrl() + "/api/berth/v1/shell/" + run.taskId() + "/" + run.runId());
        body.put("contentType", "application/json");
        Instant expires = run.run().task() == null ? null : run.run().task().expires();
        if (expires != null) body.put("expires", Json.format(expires));
        client.queue().createArtifact(run.taskId(), run.runId(), ARTIFACT, body);
        run.log().accept("interactive: shells at " + socketUrl() + " (berth task shell " + run.taskId() + ")");
    }

    // ---- the control socket: the server asks for sessions on it

    private void keepConnected() {
        long backoffMs = 1000;
        boolean warned = false;
        while (closing.getCount() > 0) {
            CountDownLatch gone = new CountDownLatch(1);
            try {
                control = sockets.connect(workerUrl(""), credentials(), new Sockets.Handler() {
                    @Override
                    public void text(String text) {
                        onControl(text);
                    }

                    @Override
                    public void closed(int status, String reason) {
                        gone.countDown();
                    }
                });
                backoffMs = 1000;
                if (warned) run.log().accept("interactive: connected to the server's shell relay again");
                warned = false;
                while (closing.getCount() > 0 && !gone.await(1, TimeUnit.SECONDS)) {
                    // held open; the server pings it
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!warned) {
                    LOG.warn("run {}/{}: cannot reach the shell relay at {}: {}; trying again", run.taskId(), run.runId(),
                            workerUrl(""), e.getMessage());
                    run.log().accept("interactive: cannot reach the server's shell relay (" + e.getMessage()
                            + "); trying again");
                    warned = true;
                }
            }
            try {
                if (closing.await(backoffMs, TimeUnit.MILLISECONDS)) return;
            } catch (InterruptedException e) {
                return;
            }
            backoffMs = Math.min(30_000, backoffMs * 2);
        }
    }

    private void onControl(String text) {
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(text);
        } catch (Exception e) {
            LOG.warn("run {}/{}: the shell relay sent something unreadable: {}", run.taskId(), run.runId(), e.getMessage());
            return;
        }
        LOG.debug("run {}/{}: shell relay says {}", run.taskId(), run.runId(), text);
        if (!"open".equals(m.path("type").asText())) return;
        String id = m.path("session").asText();
        String clientId = m.path("clientId").asText("(unknown)");
        boolean tty = m.path("tty").asBoolean(false);
        List<String> command = new ArrayList<>();
        m.path("command").forEach(c -> command.add(c.asText()));
        Thread.ofVirtual().name("interactive-session-" + id).start(() -> openSession(id, clientId, command, tty));
    }

    private void openSession(String id, String clientId, List<String> asked, boolean tty) {
        List<String> command = asked.isEmpty() ? DEFAULT_COMMAND : List.copyOf(asked);
        URI url = workerUrl("/session/" + id);
        if (closing.getCount() == 0) return;
        if (sessions.size() >= dev.berth.worker.features.interactive.InteractiveRun.MAX_SESSIONS) {
            refuse(url, "Too many sessions active!");
            return;
        }
        int number = numbers.incrementAndGet();
        KeepAlive k = keepAlive;
        ShellSession[] self = new ShellSession[1];
        ShellSession session = new ShellSession(number, clientId, command, tty, run.log(), () -> {
            if (sessions.remove(self[0])) k.sessionEnded(run.clock().instant());
        });
        self[0] = session;
        sessions.add(session);
        k.sessionOpened();
        run.log().accept("interactive: session " + number + " opened by " + clientId + " at " + run.clock().instant()
                + ": " + String.join(" ", command) + (tty ? " (tty)" : ""));
        try {
            Sockets.Link link = sockets.connect(url, credentials(), session);
            session.start(link, listener -> run.runtime().exec(containerId, command, tty, listener));
        } catch (RuntimeException e) {
            LOG.warn("run {}/{}: shell session {} could not connect: {}", run.taskId(), run.runId(), number, e.getMessage());
            session.closed(1006, e.getMessage());
        }
    }

    static final int MAX_SESSIONS = 10;

    private void refuse(URI url, String why) {
        try {
            Sockets.Link link = sockets.connect(url, credentials(), (status, reason) -> { });
            link.send(Frames.error(why));
            link.close(1000, "refused");
        } catch (RuntimeException e) {
            LOG.debug("refusing a session: {}", e.toString());
        }
    }

    // ---- keeping the container after the command

    private void watchAndRelease() {
        try {
            Long code = awaitCommandExit();
            if (code == null) return;
            keepAlive.commandExited(run.clock().instant());
            run.log().accept("interactive: the command exited with code " + code + "; the container stays for shells until "
                    + keepAlive.until() + " (while sessions are open, and " + human(settings.idleAfterSession())
                    + " after the last ends; never after " + keepAlive.hardLimit() + ")");
            while (!keepAlive.mayEnd(run.clock().instant())) {
                if (closing.await(500, TimeUnit.MILLISECONDS)) return;
            }
            if (keepAlive.openSessions() > 0) {
                run.log().accept("interactive: maxRunTime is near: the open sessions end with the container");
            }
            run.log().accept("interactive: the container is released");
            exec(List.of("sh", "-c", ": > " + DIR + "/release"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (closing.getCount() > 0) {
                LOG.warn("run {}/{}: the interactive keep-alive failed: {}", run.taskId(), run.runId(), e.toString());
                run.log().accept("interactive: keeping the container failed: " + e.getMessage());
            }
        }
    }

    /** Waits (one exec in the container) for the wrapper to write the command's exit code; null if the container ended first. */
    private Long awaitCommandExit() throws InterruptedException {
        String out = exec(List.of("sh", "-c", "while [ ! -s " + DIR + "/exit ]; do sleep 1; done; cat " + DIR + "/exit"));
        if (out == null) return null;
        try {
            return Long.parseLong(out.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Runs a command in the container to its end; its output, or null when it failed or the run closes first. */
    private String exec(List<String> command) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Long> exit = new CompletableFuture<>();
        try (ExecSession s = run.runtime().exec(containerId, command, false, new ExecSession.ExecListener() {
            @Override
            public void output(boolean stderr, byte[] data) {
                if (!stderr) synchronized (out) { out.writeBytes(data); }
            }

            @Override
            public void ended(long exitCode, Throwable error) {
                exit.complete(exitCode);
            }
        })) {
            while (!exit.isDone()) {
                if (closing.await(200, TimeUnit.MILLISECONDS)) return null;
            }
            if (exit.join() != 0) return null;
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        } catch (dev.berth.worker.runtime.ContainerRuntimeException e) {
            // the container ended (killed, cancelled): nothing to keep
            LOG.debug("run {}/{}: {}", run.taskId(), run.runId(), e.getMessage());
            return null;
        }
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }

    @Override
    public void close() {
        closing.countDown();
        for (ShellSession s : sessions) {
            try {
                s.shutdown();
            } catch (RuntimeException e) {
                LOG.debug("ending a shell session", e);
            }
        }
        Sockets.Link c = control;
        if (c != null) c.abort();
        if (watcher != null) watcher.interrupt();
        if (connector != null) connector.interrupt();
    }
}
