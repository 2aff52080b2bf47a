package dev.berth.worker.features.proxy;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sends a task's request on to an upstream and its answer back, both bodies streamed (artifact uploads can be
 * large). Redirects go back to the task unchanged: its client follows them.
 */
final class Forwarder {

    /** Never passed on: hop-by-hop headers, those the HTTP client sets itself, and the task's own credentials. */
    private static final Set<String> REQUEST_DROPPED = Set.of("authorization", "connection", "content-length", "expect",
            "host", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding",
            "upgrade", "http2-settings");
    private static final Set<String> RESPONSE_DROPPED = Set.of("connection", "content-length", "keep-alive",
            "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Forwarder.class);

    private final HttpClient http;
    /** Upstreams already warned about: the first failure is a WARN, the task's answer says it every time. */
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Forwarder() {
        this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build());
    }

    Forwarder(HttpClient http) {
        this.http = http;
    }

    /**
     * Forwards {@code exchange} to {@code target} with {@code added} headers (over any the task sent with the same
     * names), and answers the task with what came back; 502 when the upstream cannot be reached.
     */
    void forward(HttpExchange exchange, URI target, Map<String, String> added) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        HttpRequest.Builder request = HttpRequest.newBuilder(target).method(method, body(exchange));
        Set<String> replaced = lower(added.keySet());
        exchange.getRequestHeaders().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (REQUEST_DROPPED.contains(n) || replaced.contains(n)) return;
            for (String v : values) {
                try {
                    request.header(name, v);
                } catch (IllegalArgumentException restricted) {
                    // a header the client will not send (e.g. Date on an old JDK): dropped
                }
            }
        });
        added.forEach(request::header);
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            String upstream = target.getScheme() + "://" + target.getAuthority();
            if (warned.add(upstream)) {
                LOG.warn("a task's proxy cannot reach {} ({}); the task gets 502", upstream, e.toString());
            } else {
                LOG.debug("a task's proxy cannot reach {}: {}", upstream, e.toString());
            }
            ProxyResponses.error(exchange, 502, "UpstreamUnavailable", "the proxy could not reach " + target.getScheme()
                    + "://" + target.getAuthority() + ": " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProxyResponses.error(exchange, 503, "ProxyStopping", "the run's proxy is stopping");
            return;
        }
        try (InputStream in = response.body()) {
            response.headers().map().forEach((name, values) -> {
                String n = name.toLowerCase(Locale.ROOT);
                if (RESPONSE_DROPPED.contains(n) || n.startsWith(":")) return;
                exchange.getResponseHeaders().put(name, List.copyOf(values));
            });
            int status = response.statusCode();
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean noBody = method.equals("HEAD") || status == 204 || status == 304 || length == 0;
            // the JDK server: -1 means no body, 0 a chunked one of unknown length
            exchange.sendResponseHeaders(status, noBody ? -1 : Math.max(length, 0));
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        }
    }

    private static HttpRequest.BodyPublisher body(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        String encoding = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        InputStream in = exchange.getRequestBody();
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n == 0) return HttpRequest.BodyPublishers.noBody();
            if (n > 0) return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in), n);
        }
        if (encoding != null) return HttpRequest.BodyPublishers.ofInputStream(() -> in);
        return HttpRequest.BodyPublishers.noBody();
    }

    private static Set<String> lower(Set<String> names) {
        return Set.copyOf(names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
    }
}
