package dev.berth.server.shell;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.json.Json;
import dev.berth.server.ServerTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shell relay with a stand-in worker (no engine): only the run's own credentials serve its shell, only holders of
 * the shell scopes open one, and frames pass untouched both ways between a person's socket and the data socket the
 * worker opened for that session.
 */
class ShellRelayApiTest extends ServerTestSupport {

    private final HttpClient http = HttpClient.newHttpClient();

    /** Credentials of a fresh claimed run: [taskId, clientId, accessToken, certificate]. */
    private String[] claimedRun() {
        String queue = newQueue();
        String taskId = createTask(queue);
        JsonNode claimed = claim(queue, 1).get(0);
        JsonNode c = claimed.get("credentials");
        return new String[] {taskId, c.get("clientId").asText(), c.get("accessToken").asText(), c.get("certificate").asText()};
    }

    private URI ws(String path) {
        return URI.create(server.rootUrl().replaceFirst("^http", "ws") + ShellRelay.PREFIX + path);
    }

    /** Messages a socket received: text as String, binary as byte[]. */
    static final class Inbox implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            messages.add(data.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            messages.add(b);
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10s").isNotNull();
            return m;
        }
    }

    private WebSocket connect(URI url, String clientId, String accessToken, String certificate, Inbox inbox) {
        WebSocket.Builder b = http.newWebSocketBuilder();
        if (clientId != null) {
            b.header("Authorization", Hawk.header("GET", URI.create(url.toString().replaceFirst("^ws", "http")), clientId,
                    accessToken, certificate == null ? null : Ext.encode(certificate, null), null));
        }
        return b.buildAsync(url, inbox).join();
    }

    /** The server registers a worker's socket just after the handshake answered: its shell info, once it has. */
    private JsonNode awaitWorkerConnected(String taskId) throws InterruptedException {
        JsonNode info = root.get(ShellRelay.PREFIX + "/" + taskId + "/0").json();
        for (int i = 0; i < 100 && !info.path("workerConnected").asBoolean(); i++) {
            Thread.sleep(50);
            info = root.get(ShellRelay.PREFIX + "/" + taskId + "/0").json();
        }
        assertThat(info.path("workerConnected").asBoolean()).as("worker connected: %s", info).isTrue();
        return info;
    }

    private static int refusedWith(Runnable connect) {
        try {
            connect.run();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) return h.getResponse().statusCode();
            throw e;
        }
        throw new AssertionError("the handshake was accepted");
    }

    @Test
    void onlyTheRunsOwnCredentialsServeItsShell() throws Exception {
        String[] a = claimedRun();
        String[] b = claimedRun();
        // another run's credentials: they hold queue:create-artifact for their own run only
        assertThat(refusedWith(() -> connect(ws("/worker/" + a[0] + "/0"), b[1], b[2], b[3], new Inbox()))).isEqualTo(403);
        assertThat(refusedWith(() -> connect(ws("/worker/" + a[0] + "/0"), null, null, null, new Inbox()))).isEqualTo(403);
        assertThat(root.get(ShellRelay.PREFIX + "/" + a[0] + "/0").json().path("workerConnected").asBoolean()).isFalse();

        WebSocket control = connect(ws("/worker/" + a[0] + "/0"), a[1], a[2], a[3], new Inbox());
        try {
            JsonNode info = awaitWorkerConnected(a[0]);
            assertThat(info.path("socketUrl").asText()).isEqualTo(ws("/" + a[0] + "/0").toString());
        } finally {
            control.abort();
        }
    }

    @Test
    void aPersonNeedsTheShellScopesAndARunWhoseWorkerIsConnected() throws Exception {
        String[] a = claimedRun();
        String[] b = claimedRun();
        WebSocket control = connect(ws("/worker/" + a[0] + "/0"), a[1], a[2], a[3], new Inbox());
        try {
            awaitWorkerConnected(a[0]);
            assertThat(refusedWith(() -> connect(ws("/" + a[0] + "/0"), null, null, null, new Inbox()))).isEqualTo(403);
            // the run's own credentials are not a person with the shell scopes
            assertThat(refusedWith(() -> connect(ws("/" + a[0] + "/0"), a[1], a[2], a[3], new Inbox()))).isEqualTo(403);
            assertThat(refusedWith(() -> connect(ws("/" + b[0] + "/0"), server.rootClientId(), server.rootAccessToken(), null,
                    new Inbox()))).isEqualTo(404);
            assertThat(anon.get(ShellRelay.PREFIX + "/" + a[0] + "/0").status()).isEqualTo(403);
        } finally {
            control.abort();
        }
    }

    @Test
    void framesPassBothWaysBetweenThePersonAndTheDataSocketTheWorkerOpened() throws Exception {
        String[] a = claimedRun();
        Inbox controlInbox = new Inbox();
        WebSocket control = connect(ws("/worker/" + a[0] + "/0"), a[1], a[2], a[3], controlInbox);
        try {
            awaitWorkerConnected(a[0]);
            Inbox person = new Inbox();
            WebSocket user = connect(URI.create(ws("/" + a[0] + "/0") + "?tty=false&command=echo&command=hi%20there"),
                    server.rootClientId(), server.rootAccessToken(), null, person);
            // typed before the worker's data socket is there: kept for it
            user.sendBinary(ByteBuffer.wrap(new byte[] {0, 'x'}), true).join();

            JsonNode open = Json.MAPPER.readTree((String) controlInbox.next());
            assertThat(open.path("type").asText()).isEqualTo("open");
            assertThat(open.path("clientId").asText()).isEqualTo(server.rootClientId());
            assertThat(open.path("tty").asBoolean()).isFalse();
            assertThat(Json.MAPPER.convertValue(open.path("command"), String[].class)).containsExactly("echo", "hi there");

            Inbox workerSide = new Inbox();
            WebSocket data = connect(ws("/worker/" + a[0] + "/0/session/" + open.path("session").asText()), a[1], a[2], a[3],
                    workerSide);
            assertThat((byte[]) workerSide.next()).containsExactly(0, 'x');
            user.sendBinary(ByteBuffer.wrap(new byte[] {50, 24, 0, 80, 0}), true).join();
            assertThat((byte[]) workerSide.next()).containsExactly(50, 24, 0, 80, 0);

            data.sendBinary(ByteBuffer.wrap(new byte[] {100}), true).join();
            data.sendBinary(ByteBuffer.wrap(new byte[] {1, 'h', 'i'}), true).join();
            data.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 200, 0}), true).join();
            assertThat((byte[]) person.next()).containsExactly(100);
            assertThat((byte[]) person.next()).containsExactly(1, 'h', 'i');
            assertThat((byte[]) person.next()).containsExactly(200, 0);
            data.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
            assertThat(person.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        } finally {
            control.abort();
        }
    }
}
