package dev.berth.worker.features.interactive;

import dev.berth.worker.runtime.ExecSession;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One person's shell: the data socket the relay joined to their socket, and the process it runs in the task
 * container. Speaks docker-exec-websocket-server's messages: resume when ready, stdin/resize/end in, stdout/stderr
 * out, stopped with the exit code at the end.
 */
final class ShellSession implements Sockets.Handler, ExecSession.ExecListener {

    private static final Logger LOG = LoggerFactory.getLogger(ShellSession.class);

    private static final int MAX_CHUNK = 32 * 1024;

    final int number;
    final String clientId;
    final List<String> command;
    final boolean tty;
    private final Consumer<String> audit;
    private final Runnable onEnd;
    private volatile Sockets.Link link;
    private volatile ExecSession exec;
    private volatile boolean ended;
    /** Frames that came before the process started (the relay passes on what the person typed meanwhile). */
    private final java.util.List<byte[]> early = new java.util.ArrayList<>();

    ShellSession(int number, String clientId, List<String> command, boolean tty, Consumer<String> audit, Runnable onEnd) {
        this.number = number;
        this.clientId = clientId;
        this.command = command;
        this.tty = tty;
        this.audit = audit;
        this.onEnd = onEnd;
    }

    /** The data socket is open: start the process and say so. */
    void start(Sockets.Link link, ExecStarter starter) {
        this.link = link;
        try {
            ExecSession started = starter.start(this);
            synchronized (early) {
                exec = started;
            }
        } catch (RuntimeException e) {
            LOG.warn("shell session {}: cannot start {}: {}", number, command, e.getMessage());
            audit.accept("interactive: session " + number + " of " + clientId + " could not start " + command + ": "
                    + e.getMessage());
            link.send(Frames.error("cannot start " + command + ": " + e.getMessage()));
            finish();
            return;
        }
        link.send(Frames.code(Frames.RESUME));
        List<byte[]> waiting;
        synchronized (early) {
            waiting = List.copyOf(early);
            early.clear();
        }
        waiting.forEach(this::binary);
    }

    interface ExecStarter {
        ExecSession start(ExecSession.ExecListener listener);
    }

    @Override
    public void binary(byte[] frame) {
        ExecSession e = exec;
        if (frame.length == 0) return;
        if (e == null) {
            synchronized (early) {
                if (exec == null) {
                    early.add(frame);
                    return;
                }
                e = exec;
            }
        }
        try {
            switch (frame[0] & 0xff) {
                case Frames.STDIN -> e.write(Arrays.copyOfRange(frame, 1, frame.length));
                case Frames.RESIZE -> {
                    if (frame.length < 5) return;
                    if (!tty) {
                        link.send(Frames.error("cannot resize, not a tty instance"));
                        return;
                    }
                    e.resize(Frames.u16le(frame, 1), Frames.u16le(frame, 3));
                }
                case Frames.END -> e.closeInput();
                default -> { } // resume/pause: output is not held back; the relay and the client buffer it
            }
        } catch (RuntimeException ex) {
            LOG.debug("shell session {}: {}", number, ex.toString());
            link.send(Frames.error(ex.getMessage() == null ? ex.toString() : ex.getMessage()));
        }
    }

    @Override
    public void closed(int status, String reason) {
        if (ended) return;
        audit.accept("interactive: session " + number + " of " + clientId + " closed by the user");
        ended = true;
        ExecSession e = exec;
        if (e != null) e.close();
        onEnd.run();
    }

    @Override
    public void output(boolean stderr, byte[] data) {
        Sockets.Link l = link;
        if (l == null) return;
        // in pieces well under the relay's message size limit (64 KiB)
        for (int from = 0; from < data.length; from += MAX_CHUNK) {
            l.send(Frames.of(stderr ? Frames.STDERR : Frames.STDOUT,
                    Arrays.copyOfRange(data, from, Math.min(data.length, from + MAX_CHUNK))));
        }
    }

    @Override
    public void ended(long exitCode, Throwable error) {
        if (ended) return;
        if (error != null && exitCode < 0) {
            audit.accept("interactive: session " + number + " of " + clientId + " broke off: " + error.getMessage());
            link.send(Frames.error("the session broke off: " + error.getMessage()));
        } else {
            audit.accept("interactive: session " + number + " of " + clientId + " ended, exit code " + exitCode);
            link.send(Frames.stopped(exitCode));
        }
        finish();
    }

    /**
     * The worker stops serving (the run is over, its log already complete, so nothing is written to it): says
     * shutdown, as docker-exec-websocket-server does.
     */
    void shutdown() {
        if (ended) return;
        Sockets.Link l = link;
        if (l != null) l.send(Frames.code(Frames.SHUTDOWN));
        LOG.info("shell session {} of {} ended with the run", number, clientId);
        finish();
    }

    private void finish() {
        if (ended) return;
        ended = true;
        ExecSession e = exec;
        if (e != null) e.close();
        Sockets.Link l = link;
        if (l != null) l.close(1000, "session over");
        onEnd.run();
    }
}
