package dev.berth.worker.images;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a tar stream as it passes on to someone else (the engine's image load) and keeps the content of its
 * {@code manifest.json}, which names the images a {@code docker save} tarball holds. Nothing is buffered but that
 * one small file, so an image of any size streams through in constant memory.
 */
final class TarManifestScanner extends FilterInputStream {

    private static final int BLOCK = 512;
    private static final int MAX_MANIFEST = 1 << 20;

    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    /** Bytes of the current entry's content (and padding) still to pass before the next header. */
    private long contentLeft;
    private long paddingLeft;
    private ByteArrayOutputStream capturing;
    private byte[] manifest;
    private boolean malformed;

    TarManifestScanner(InputStream in) {
        super(in);
    }

    /** The content of {@code manifest.json}, once the stream has passed it; null if it has not (or there is none). */
    byte[] manifest() { return manifest; }

    /** Whether what passed was not a tar stream (a header whose checksum did not match). */
    boolean malformed() { return malformed; }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) scan(new byte[] {(byte) b}, 0, 1);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) scan(buf, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // the engine reads every byte; skipping would blind the scan
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    private void scan(byte[] buf, int off, int len) {
        int i = off, end = off + len;
        while (i < end && !malformed) {
            if (contentLeft > 0) {
                int take = (int) Math.min(contentLeft, end - i);
                if (capturing != null) capturing.write(buf, i, take);
                contentLeft -= take;
                i += take;
                if (contentLeft == 0 && capturing != null) {
                    manifest = capturing.toByteArray();
                    capturing = null;
                }
            } else if (paddingLeft > 0) {
                int take = (int) Math.min(paddingLeft, end - i);
                paddingLeft -= take;
                i += take;
            } else {
                int take = Math.min(BLOCK - headerFill, end - i);
                System.arraycopy(buf, i, header, headerFill, take);
                headerFill += take;
                i += take;
                if (headerFill == BLOCK) {
                    headerFill = 0;
                    startEntry();
                }
            }
        }
    }

    private void startEntry() {
        boolean zero = true;
        for (byte b : header) if (b != 0) { zero = false; break; }
        if (zero) return; // end-of-archive blocks
        if (!checksumMatches()) {
            malformed = true;
            return;
        }
        long size = octal(124, 12);
        byte type = header[156];
        String name = name();
        contentLeft = size;
        paddingLeft = (BLOCK - size % BLOCK) % BLOCK;
        boolean regular = type == '0' || type == 0;
        if (regular && name.equals("manifest.json") && size > 0 && size <= MAX_MANIFEST) {
            capturing = new ByteArrayOutputStream((int) size);
        }
    }

    private String name() {
        String name = field(0, 100);
        String prefix = header[257] == 'u' ? field(345, 155) : ""; // ustar keeps long names' heads apart
        String full = prefix.isEmpty() ? name : prefix + "/" + name;
        return full.startsWith("./") ? full.substring(2) : full;
    }

    private String field(int at, int length) {
        int end = at;
        while (end < at + length && header[end] != 0) end++;
        return new String(header, at, end - at, StandardCharsets.UTF_8);
    }

    private long octal(int at, int length) {
        long v = 0;
        for (int i = at; i < at + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (v > 0) break;
                continue;
            }
            if (b < '0' || b > '7') break;
            v = v * 8 + (b - '0');
        }
        return v;
    }

    private boolean checksumMatches() {
        long stored = octal(148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        return sum == stored;
    }
}
