package dev.berth.worker.runtime;

/**
 * A process started in a running container ({@code docker exec}) with its standard input open. Output and
 * the end come to the {@link ExecListener} given when it was started; {@link #close} ends the attachment.
 */
public interface ExecSession extends AutoCloseable {

    /** Writes to the process's standard input (never blocks for long: the bytes are queued). */
    void write(byte[] data);

    /**
     * Ends the process's standard input. The Docker engine's attach carries no half-close through docker-java's
     * transport, so a process without a TTY may not see the end of file; a TTY session is sent ^D instead.
     */
    void closeInput();

    /** Resizes the terminal of a TTY session; a session without a TTY refuses. */
    void resize(int height, int width);

    /** Detaches from the process (it may go on running in the container until the container ends). */
    @Override
    void close();

    /** What a started exec says while it runs. Called from the runtime's threads, one call at a time. */
    interface ExecListener {

        /** A chunk of output; {@code stderr} is false for a TTY, whose streams are one. */
        void output(boolean stderr, byte[] data);

        /** The process ended with {@code exitCode}, or the attachment broke ({@code exitCode} -1, {@code error} set). */
        void ended(long exitCode, Throwable error);
    }
}
