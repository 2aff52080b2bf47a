package dev.berth.app;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Progress of an upload on the CLI's stderr: on a terminal a bar redrawn in place (at most ten times a second);
 * piped, nothing (the caller prints its plain line when the upload is done).
 */
final class UploadProgress extends FilterInputStream {

    private static final long REDRAW_NANOS = 100_000_000L;

    private final long total;
    private final String label;
    private final PrintStream out;
    private long done;
    private long drawnAt;
    private boolean drawn;

    private UploadProgress(InputStream in, long total, String label, PrintStream out) {
        super(in);
        this.total = total;
        this.label = label;
        this.out = out;
    }

    /** {@code in} itself when {@code out} is not a terminal; else a stream that draws its progress on {@code out}. */
    static InputStream of(InputStream in, long total, String label, PrintStream out, boolean terminal) {
        return terminal ? new UploadProgress(in, total, label, out) : in;
    }

    /** Whether this process's stderr is a terminal (Linux: what file descriptor 2 points at). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** One line of progress: {@code label [#########           ]  45%  12.3 of 27.1 MiB}. */
    static String line(String label, long done, long total, int width) {
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * width);
        return String.format(Locale.ROOT, "%s [%s%s] %3d%%  %.1f of %.1f MiB", label, "#".repeat(filled), " ".repeat(width - filled),
                Math.round(fraction * 100), done / 1048576.0, total / 1048576.0);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) advance(1);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) advance(n);
        return n;
    }

    private void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (!drawn || now - drawnAt >= REDRAW_NANOS || done >= total) {
            out.print("\r" + line(label, done, total, 30));
            out.flush();
            drawnAt = now;
            drawn = true;
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        if (drawn) out.println();
    }
}
