package dev.berth.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's only inbound port, opt-in ({@code metricsPort}): Prometheus text at {@code GET /metrics},
 * for a scraper and nothing else. The JDK's own HTTP server is enough for one small read-only page.
 */
final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    /** The text format the server's /metrics answers too (no OpenMetrics {@code _created} samples). */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final String host;
    private final int port;
    private HttpServer server;

    MetricsEndpoint(PrometheusMeterRegistry registry, String host, int port) {
        this.registry = registry;
        this.host = host;
        this.port = port;
    }

    /** Binds the port (0: a free one) and starts answering. */
    synchronized void start() {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for metrics on " + host + ":" + port + " (metricsPort, BERTH_WORKER_METRICS_PORT): "
                    + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.start();
        LOG.info("worker metrics at http://{}:{}/metrics", host, server.getAddress().getPort());
    }

    /** Where it listens; null before it is started. */
    synchronized InetSocketAddress address() {
        return server == null ? null : server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!"/metrics".equals(path)) {
                send(exchange, 404, "application/json", "{\"code\":\"ResourceNotFound\",\"message\":\"only GET /metrics is served here\"}");
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "application/json", "{\"code\":\"MethodNotAllowed\",\"message\":\"/metrics answers GET only\"}");
            } else {
                send(exchange, 200, CONTENT_TYPE, registry.scrape());
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) server.stop(0);
    }
}
