package dev.berth.worker.superseding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupersederClientTest {

    private static final String A = "E5SBRfo-RfOIxh0V4187Qg";
    private static final String B = "909mRog1E98Va0g-bb91ba";
    private static final String C = "KGt8egfvRaqxczIRgOScaw";

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheSeedsExampleAnswerInItsOrder() throws Exception {
        assertThat(SupersederClient.parse(json("{\"supersedes\": [\"" + A + "\", \"" + B + "\", \"" + C + "\"]}"), A))
                .containsExactly(A, B, C);
    }

    @Test
    void refusesAnswersThatAreNotAUsableList() {
        record Case(String body, String why) {}
        for (Case c : List.of(
                new Case("<html>busy</html>", "not JSON"),
                new Case("{}", "no \"supersedes\" list"),
                new Case("{\"supersedes\": \"" + A + "\"}", "no \"supersedes\" list"),
                new Case("{\"supersedes\": [\"" + A + "\", 7]}", "listed 7, which is not a task id"),
                new Case("{\"supersedes\": [\"" + A + "\", \"x/../y\"]}", "which is not a task id"),
                new Case("{\"supersedes\": [\"" + A + "\", \"" + B + "\", \"" + A + "\"]}", "listed " + A + " twice"),
                new Case("{\"supersedes\": [\"" + B + "\", \"" + C + "\"]}", "without the claimed task " + A),
                new Case("{\"supersedes\": []}", "without the claimed task " + A))) {
            assertThatThrownBy(() -> SupersederClient.parse(json(c.body()), A)).as(c.body())
                    .isInstanceOf(SupersederClient.Unanswered.class).hasMessageContaining(c.why());
        }
    }

    @Test
    void appendsTheTaskIdAsAQueryArgument() throws Exception {
        assertThat(SupersederClient.uri("https://coalescer.example/build/linux/master", A))
                .hasToString("https://coalescer.example/build/linux/master?taskId=" + A);
        assertThat(SupersederClient.uri("http://127.0.0.1:8080/c?key=x#frag", A))
                .hasToString("http://127.0.0.1:8080/c?key=x&taskId=" + A);
        assertThatThrownBy(() -> SupersederClient.uri("file:///etc/passwd", A)).hasMessageContaining("not an http or https URL");
        assertThatThrownBy(() -> SupersederClient.uri("not a url", A)).isInstanceOf(SupersederClient.Unanswered.class);
    }

    @Test
    void aSupersederSlowerThanTheTimeoutIsUnanswered() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = json("{\"supersedes\": [\"" + A + "\"]}");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        try {
            SupersederClient client = new SupersederClient(Duration.ofMillis(300));
            assertThatThrownBy(() -> client.supersedes("http://127.0.0.1:" + server.getAddress().getPort() + "/s", A))
                    .isInstanceOf(SupersederClient.Unanswered.class).hasMessageContaining("did not answer within");
            // the same server answers a patient client
            assertThat(new SupersederClient(Duration.ofSeconds(10))
                    .supersedes("http://127.0.0.1:" + server.getAddress().getPort() + "/s", A)).containsExactly(A);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anErrorStatusIsUnanswered() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try {
            assertThatThrownBy(() -> new SupersederClient().supersedes("http://127.0.0.1:" + server.getAddress().getPort() + "/", A))
                    .isInstanceOf(SupersederClient.Unanswered.class).hasMessage("answered HTTP 503");
        } finally {
            server.stop(0);
        }
    }
}
