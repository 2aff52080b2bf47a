package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code docker exec} with standard input: the engine's exec create, then an attached (hijacked) exec start
 * whose input is a queue the session writes to, and exec inspect for the exit code.
 */
final class DockerExec implements ExecSession {

    private static final Logger LOG = LoggerFactory.getLogger(DockerExec.class);

    private final DockerClient docker;
    private final String execId;
    private final boolean tty;
    private final QueueInput input = new QueueInput();
    private final Callback callback;

    private DockerExec(DockerClient docker, String execId, boolean tty, ExecListener listener) {
        this.docker = docker;
        this.execId = execId;
        this.tty = tty;
        this.callback = new Callback(listener);
    }

    static DockerExec start(DockerClient docker, String containerId, List<String> command, boolean tty, ExecListener listener) {
        String id;
        try {
            id = docker.execCreateCmd(containerId).withCmd(command.toArray(String[]::new)).withTty(tty)
                    .withAttachStdin(true).withAttachStdout(true).withAttachStderr(true).exec().getId();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot start " + command + " in container " + containerId + ": "
                    + e.getMessage(), e);
        }
        DockerExec exec = new DockerExec(docker, id, tty, listener);
        docker.execStartCmd(id).withTty(tty).withStdIn(exec.input).exec(exec.callback);
        return exec;
    }

    @Override
    public void write(byte[] data) {
        if (data.length > 0) input.offer(data);
    }

    @Override
    public void closeInput() {
        // the hijacked stream cannot be half-closed; a terminal takes ^D at the start of a line as the end
        if (tty) input.offer(new byte[] {4});
        else input.end();
    }

    @Override
    public void resize(int height, int width) {
        if (!tty) throw new ContainerRuntimeException("cannot resize, not a tty instance", null);
        try {
            docker.resizeExecCmd(execId).withSize(height, width).exec();
        } catch (DockerException e) {
            throw new ContainerRuntimeException("cannot resize the terminal: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        input.end();
        try {
            callback.close();
        } catch (IOException e) {
            LOG.debug("closing exec {}", execId, e);
        }
    }

    private final class Callback extends ResultCallback.Adapter<Frame> {
        private final ExecListener listener;
        private final AtomicBoolean ended = new AtomicBoolean();

        Callback(ExecListener listener) { this.listener = listener; }

        @Override
        public void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload == null || payload.length == 0 || ended.get()) return;
            listener.output(frame.getStreamType() == StreamType.STDERR, payload);
        }

        @Override
        public void onError(Throwable error) {
            input.end();
            if (ended.compareAndSet(false, true)) listener.ended(exitCode(), error);
        }

        @Override
        public void onComplete() {
            input.end();
            if (ended.compareAndSet(false, true)) listener.ended(exitCode(), null);
        }

        /** The exec's exit code; the engine may take a moment to mark it stopped after its output ended. */
        private long exitCode() {
            try {
                for (int i = 0; i < 50; i++) {
                    InspectExecResponse r = docker.inspectExecCmd(execId).exec();
                    if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) return r.getExitCodeLong();
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.debug("inspecting exec {}: {}", execId, e.toString());
            }
            return -1;
        }
    }

    /** Standard input fed from another thread: chunks in order, then the end. */
    private static final class QueueInput extends InputStream {
        private static final byte[] END = new byte[0];
        private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private volatile boolean ended;
        private byte[] current;
        private int pos;

        void offer(byte[] data) {
            if (!ended) chunks.add(data.clone());
        }

        void end() {
            if (!ended) {
                ended = true;
                chunks.add(END);
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (current == null || pos >= current.length) {
                if (current == END) return -1;
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted reading standard input");
                }
                pos = 0;
                if (current == END) return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return current == null || current == END ? 0 : current.length - pos;
        }
    }
}
