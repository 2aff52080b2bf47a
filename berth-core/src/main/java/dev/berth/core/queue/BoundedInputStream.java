package dev.berth.core.queue;

import java.io.IOException;
import java.io.InputStream;

/** At most {@code limit} bytes of a stream: bytes appended after an artifact or object was finished are never served. */
public final class BoundedInputStream extends java.io.FilterInputStream {
    private long left;

    public BoundedInputStream(InputStream in, long limit) {
        super(in);
        this.left = limit;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) return -1;
        int b = super.read();
        if (b >= 0) left--;
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (left <= 0) return -1;
        int n = super.read(buf, off, (int) Math.min(len, left));
        if (n > 0) left -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = super.skip(Math.min(n, left));
        left -= k;
        return k;
    }

    @Override
    public int available() throws IOException { return (int) Math.min(super.available(), left); }
}
