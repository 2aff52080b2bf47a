package dev.berth.client;

import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A shell session in a running task (docker-worker's {@code interactive} feature) through the server's relay:
 * a WebSocket speaking docker-exec-websocket-server's messages (a code byte, then the payload).
 */
public final class ShellSocket implements AutoCloseable {

    public static final int STDIN = 0, STDOUT = 1, STDERR = 2, RESIZE = 50, RESUME = 100, PAUSE = 101, END = 102,
            STOPPED = 200, SHUTDOWN = 201, ERROR = 202;

    /** What the session says; called from the client's thread, one call at a time. */
    public interface Listener {
        /** The process is ready for input (docker-exec-websocket-server's resume). */
        default void ready() {}

        void output(boolean stderr, byte[] data);

        /** The process ended with this exit code (one byte, as the protocol carries it). */
        void stopped(int exitCode);

        /** The server or worker says something went wrong (too many sessions, no such command...). */
        void error(String message);

        /** The socket closed; {@code reason} as the other side gave it. */
        void closed(int status, String reason);
    }

    private final WebSocket ws;
    private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

    private ShellSocket(WebSocket ws) {
        this.ws = ws;
    }

    /** The session's socket URL: {@code command} as repeated query parameters (empty: the worker's default, sh). */
    public static URI url(String rootUrl, String taskId, int runId, List<String> command, boolean tty) {
        String root = rootUrl.endsWith("/") ? rootUrl.substring(0, rootUrl.length() - 1) : rootUrl;
        StringJoiner query = new StringJoiner("&");
        query.add("tty=" + tty);
        command.forEach(c -> query.add("command=" + BerthClient.encodeComponent(c)));
        return URI.create(root.replaceFirst("^http", "ws") + "/api/berth/v1/shell/" + taskId + "/" + runId + "?" + query);
    }

    /** {@code url} with a bewit (Hawk's signed query), for clients that cannot set headers on a WebSocket (browsers). */
    public static URI withBewit(URI url, Credentials credentials, Duration ttl) {
        URI http = URI.create(url.toString().replaceFirst("^ws", "http"));
        URI signed = Hawk.bewitUrl(http, credentials.clientId(), credentials.accessToken(),
                Ext.encode(credentials.certificate(), null), ttl, Instant.now());
        return URI.create(signed.toString().replaceFirst("^http", "ws"));
    }

    /**
     * Opens the session, signed with {@code credentials} in the Authorization header (null: unsigned, e.g. a
     * bewit URL). A refused handshake throws, with the server's status and message when it gave them.
     */
    public static ShellSocket open(URI url, Credentials credentials, Listener listener) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).build();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(15));
        if (credentials != null) {
            URI signedAs = URI.create(url.toString().replaceFirst("^ws", "http"));
            builder.header("Authorization", Hawk.header("GET", signedAs, credentials.clientId(), credentials.accessToken(),
                    Ext.encode(credentials.certificate(), null), null));
        }
        try {
            return new ShellSocket(builder.buildAsync(url, new Receiver(listener)).join());
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                String text = body instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : body == null ? "" : body.toString();
                throw new IllegalStateException("the server refused the shell (HTTP " + h.getResponse().statusCode() + ")"
                        + (text.isBlank() ? "" : ": " + text), h);
            }
            throw new IllegalStateException("cannot open the shell at " + url + ": " + e.getCause(), e.getCause());
        }
    }

    public void stdin(byte[] data) {
        send(frame(STDIN, data));
    }

    /** The terminal's new size. */
    public void resize(int height, int width) {
        send(frame(RESIZE, new byte[] {(byte) height, (byte) (height >> 8), (byte) width, (byte) (width >> 8)}));
    }

    /** No more input. */
    public void end() {
        send(frame(END, new byte[0]));
    }

    private synchronized void send(ByteBuffer frame) {
        last = last.handle((x, e) -> null).thenCompose(x -> ws.sendBinary(frame, true));
    }

    private static ByteBuffer frame(int code, byte[] payload) {
        return ByteBuffer.allocate(payload.length + 1).put((byte) code).put(payload).flip();
    }

    @Override
    public synchronized void close() {
        last = last.handle((x, e) -> null).thenCompose(x -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye"))
                .whenComplete((x, e) -> ws.abort());
    }

    private static final class Receiver implements WebSocket.Listener {
        private final Listener listener;
        private final ByteArrayOutputStream parts = new ByteArrayOutputStream();
        private boolean closed;

        Receiver(Listener listener) { this.listener = listener; }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            parts.writeBytes(chunk);
            if (last) {
                byte[] m = parts.toByteArray();
                parts.reset();
                if (m.length > 0) dispatch(m);
            }
            ws.request(1);
            return null;
        }

        private void dispatch(byte[] m) {
            byte[] payload = java.util.Arrays.copyOfRange(m, 1, m.length);
            switch (m[0] & 0xff) {
                case STDOUT -> listener.output(false, payload);
                case STDERR -> listener.output(true, payload);
                case RESUME -> listener.ready();
                case STOPPED -> listener.stopped(payload.length > 0 ? payload[0] & 0xff : -1);
                case SHUTDOWN -> listener.error("the worker shut the session down");
                case ERROR -> listener.error(new String(payload, StandardCharsets.UTF_8));
                default -> { }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            end(status, reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            end(1006, String.valueOf(error));
        }

        private synchronized void end(int status, String reason) {
            if (closed) return;
            closed = true;
            listener.closed(status, reason);
        }
    }
}
