package dev.berth.worker.features.interactive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** docker-exec-websocket-server's binary messages: one code byte, then the payload. */
final class Frames {

    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    /** Payload: height then width, each an unsigned 16-bit little-endian number. */
    static final int RESIZE = 50;
    static final int RESUME = 100;
    static final int PAUSE = 101;
    static final int END = 102;
    /** Payload: the exit code, one byte. */
    static final int STOPPED = 200;
    static final int SHUTDOWN = 201;
    /** Payload: why, UTF-8. */
    static final int ERROR = 202;

    private Frames() {}

    static ByteBuffer of(int code, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(1 + payload.length);
        b.put((byte) code).put(payload).flip();
        return b;
    }

    static ByteBuffer code(int code) {
        return of(code, new byte[0]);
    }

    static ByteBuffer error(String why) {
        return of(ERROR, why.getBytes(StandardCharsets.UTF_8));
    }

    static ByteBuffer stopped(long exitCode) {
        return of(STOPPED, new byte[] {(byte) exitCode});
    }

    static int u16le(byte[] frame, int at) {
        return (frame[at] & 0xff) | (frame[at + 1] & 0xff) << 8;
    }
}
