package dev.berth.worker.features.interactive;

import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.TemporaryCredentials;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The worker's WebSockets to the server's shell relay (java.net.http's client), signed with Hawk like any other
 * request of the run, and each sending one message at a time as that client requires.
 */
final class Sockets {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).build();

    /** Whole messages and the end of one socket. */
    interface Handler {
        default void text(String text) {}

        default void binary(byte[] frame) {}

        void closed(int status, String reason);
    }

    /** One open socket: sends queue behind each other. */
    static final class Link {
        private final WebSocket ws;
        private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

        Link(WebSocket ws) { this.ws = ws; }

        synchronized void send(ByteBuffer frame) {
            last = last.handle((x, e) -> null).thenCompose(x -> ws.sendBinary(frame, true));
        }

        synchronized void sendText(String text) {
            last = last.handle((x, e) -> null).thenCompose(x -> ws.sendText(text, true));
        }

        /** Closes after what was sent before. */
        synchronized void close(int status, String reason) {
            last = last.handle((x, e) -> null).thenCompose(x -> ws.sendClose(status, reason))
                    .whenComplete((x, e) -> { if (e != null) ws.abort(); });
        }

        void abort() { ws.abort(); }
    }

    /** Connects to {@code url} (ws: or wss:) signed with {@code credentials}; fails as the handshake does. */
    Link connect(URI url, TemporaryCredentials credentials, Handler handler) {
        URI signedAs = URI.create(url.toString().replaceFirst("^ws", "http"));
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(15));
        if (credentials != null) {
            builder.header("Authorization", Hawk.header("GET", signedAs, credentials.clientId(), credentials.accessToken(),
                    credentials.certificate() == null ? null : Ext.encode(credentials.certificate(), null), null));
        }
        WebSocket ws = builder.buildAsync(url, new Listener(handler)).join();
        return new Link(ws);
    }

    /** Gathers message parts into whole messages; asks for the next only after one was handled. */
    private static final class Listener implements WebSocket.Listener {
        private final Handler handler;
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();
        private boolean ended;

        Listener(Handler handler) { this.handler = handler; }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String whole = text.toString();
                text.setLength(0);
                handler.text(whole);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                byte[] whole = binary.toByteArray();
                binary.reset();
                handler.binary(whole);
            }
            ws.request(1);
            return null;
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

        private void end(int status, String reason) {
            synchronized (this) {
                if (ended) return;
                ended = true;
            }
            handler.closed(status, reason);
        }
    }
}
