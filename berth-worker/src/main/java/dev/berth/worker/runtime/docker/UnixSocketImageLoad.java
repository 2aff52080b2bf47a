package dev.berth.worker.runtime.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.worker.runtime.ContainerRuntimeException;
import dev.berth.worker.runtime.EngineUnavailableException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code POST /images/load} on the engine's unix socket with the tarball sent in 1 MiB chunks. docker-java's
 * transport copies a request body in 4 KiB writes, each its own HTTP chunk, which made an image load ~1.25× slower
 * than {@code docker load} (bench/images); and the source (a zstd stream) is read a chunk ahead on another thread,
 * so decompression overlaps the upload as in {@code zstd -dc | docker load}. Only this one streaming upload goes
 * around docker-java; every other call still goes through it.
 */
final class UnixSocketImageLoad {

    static final int CHUNK = 1 << 20;
    private static final ObjectMapper JSON = dev.berth.core.json.Json.MAPPER;

    private final Path socket;
    private final String engine;

    UnixSocketImageLoad(Path socket, String engine) {
        this.socket = socket;
        this.engine = engine;
    }

    /** The socket path of a {@code unix://} host, or null for any other. */
    static Path socketOf(String dockerHost) {
        return dockerHost.startsWith("unix://") ? Path.of(dockerHost.substring("unix://".length())) : null;
    }

    /**
     * Sends {@code tar} (read to its end) and reads the engine's answer.
     *
     * @throws UncheckedIOException when {@code tar} itself could not be read (the source's failure, not the engine's)
     * @throws ContainerRuntimeException when the engine refuses the tarball, with its reason
     * @throws EngineUnavailableException when the engine cannot be reached or drops the connection without an answer
     */
    void load(InputStream tar) {
        try (SocketChannel channel = open(); ReadAhead chunks = new ReadAhead(tar)) {
            OutputStream out = Channels.newOutputStream(channel);
            InputStream answer = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
            IOException sending = null;
            try {
                out.write(("POST /images/load?quiet=1 HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
                        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (byte[] chunk; (chunk = chunks.next()) != null; ) out.write(chunk);
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the engine may have answered (and closed) early, refusing the tarball: its answer says why
                sending = e;
            }
            Answer a;
            try {
                a = Answer.read(answer);
            } catch (IOException e) {
                throw gone(sending != null ? sending : e);
            }
            a.check();
        } catch (IOException e) {
            throw gone(e);
        }
    }

    private SocketChannel open() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    private EngineUnavailableException gone(IOException e) {
        return new EngineUnavailableException("the Docker engine at " + engine + " went away while loading an image: " + e, e);
    }

    /**
     * Reads (and so decompresses) the source one chunk ahead on a thread of its own while the previous chunk is
     * written, as {@code zstd -dc | docker load} does in two processes. A failure of the source is the source's,
     * told apart from the socket's.
     */
    private static final class ReadAhead implements AutoCloseable {
        private static final byte[] END = new byte[0];
        private final java.util.concurrent.BlockingQueue<Object> ready = new java.util.concurrent.ArrayBlockingQueue<>(2);
        private final Thread reader;
        private boolean ended;

        ReadAhead(InputStream tar) {
            reader = Thread.ofPlatform().daemon().name("image-load-read-ahead").start(() -> {
                try {
                    while (true) {
                        byte[] buf = new byte[CHUNK];
                        int n = tar.readNBytes(buf, 0, CHUNK);
                        if (n <= 0) {
                            ready.put(END);
                            return;
                        }
                        ready.put(chunked(buf, n));
                    }
                } catch (IOException | RuntimeException e) {
                    try {
                        ready.put(e);
                    } catch (InterruptedException stop) {
                        // the load gave up already
                    }
                } catch (InterruptedException e) {
                    // the load gave up: nobody takes more
                }
            });
        }

        /** The next framed chunk, or null at the end of the source. */
        byte[] next() {
            if (ended) return null;
            Object o;
            try {
                o = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted while reading the image"));
            }
            if (o == END) {
                ended = true;
                return null;
            }
            if (o instanceof IOException e) throw new UncheckedIOException(e);
            if (o instanceof RuntimeException e) throw e;
            return (byte[]) o;
        }

        /** Stops the reader if the load ended early; after the last chunk it is done already. */
        @Override
        public void close() {
            if (!ended) reader.interrupt();
        }
    }

    /** One HTTP chunk (size line, data, CRLF) in a single buffer: one write, one system call. */
    private static byte[] chunked(byte[] data, int n) {
        byte[] head = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + n + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(data, 0, out, head.length, n);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    /** The engine's answer: status and body (de-chunked). */
    private record Answer(int status, String body) {

        static Answer read(InputStream in) throws IOException {
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP answer: " + statusLine);
            int status = Integer.parseInt(parts[1]);
            boolean chunked = false;
            for (String h; !(h = line(in)).isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                while (true) {
                    String size = line(in);
                    int semi = size.indexOf(';');
                    int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                    if (n == 0) break;
                    body.write(in.readNBytes(n));
                    line(in);
                }
            } else {
                // Connection: close, so the body ends with the stream
                body.write(in.readAllBytes());
            }
            return new Answer(status, body.toString(StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder s = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("the engine closed the connection mid-answer");
                if (c != '\r') s.append((char) c);
            }
            return s.toString();
        }

        /** A refusal (an error status, or an error in the progress stream) as the engine worded it. */
        void check() {
            if (status != 200) throw new ContainerRuntimeException(message(body), null);
            for (String line : body.split("\n")) {
                JsonNode n = parse(line);
                if (n != null && n.hasNonNull("error")) throw new ContainerRuntimeException(n.get("error").asText(), null);
            }
        }

        private static String message(String body) {
            JsonNode n = parse(body.strip());
            return n != null && n.hasNonNull("message") ? n.get("message").asText() : body.strip();
        }

        private static JsonNode parse(String s) {
            if (s.isBlank()) return null;
            try {
                return JSON.readTree(s);
            } catch (IOException e) {
                return null;
            }
        }
    }
}
