package dev.berth.worker.features.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's HTTP endpoint for one run, on the run network's gateway: the task reaches it by names
 * ({@code taskcluster}, a service's alias) that resolve to the gateway in its {@code /etc/hosts}, and the
 * endpoint picks the route by the Host header. Every run network's gateway is reachable from every container
 * through the host, so only requests from the run's own task container (its address, known once it started)
 * are answered; all others get 403.
 */
final class ProxyEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyEndpoint.class);

    /** One name's handler: forwards the exchange (and answers it). */
    interface Route {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** The task container's address, once the engine told it (after the container started). */
    private final java.util.concurrent.CompletableFuture<String> allowed = new java.util.concurrent.CompletableFuture<>();
    /** How long a request that came before the address was known waits for it (a task calls at once). */
    private final java.time.Duration addressWait;

    private ProxyEndpoint(HttpServer server, ExecutorService executor, java.time.Duration addressWait) {
        this.server = server;
        this.executor = executor;
        this.addressWait = addressWait;
    }

    /**
     * Listens on {@code address:port} (port 0: any free port).
     *
     * @throws IOException when the address cannot be bound (in use, not this host's, no permission)
     */
    static ProxyEndpoint bind(String address, int port, java.time.Duration addressWait) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        ProxyEndpoint endpoint = new ProxyEndpoint(server, executor, addressWait);
        server.setExecutor(executor);
        server.createContext("/", endpoint::serve);
        server.start();
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Requests whose Host is {@code host} (any port) go to {@code route}. */
    void route(String host, Route route) {
        routes.put(host.toLowerCase(Locale.ROOT), route);
    }

    void unroute(String host) {
        routes.remove(host.toLowerCase(Locale.ROOT));
    }

    boolean hasRoutes() {
        return !routes.isEmpty();
    }

    /** From now on requests from {@code address} (the task container's) are answered. */
    void allow(String address) {
        allowed.complete(address);
    }

    /** The task container's address, or null while unknown. */
    String allowed() {
        return allowed.getNow(null);
    }

    /** The task container's address, waiting a little for it when the request came first; null when still unknown. */
    private String awaitAllowed() {
        try {
            return allowed.get(addressWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String from = exchange.getRemoteAddress().getAddress().getHostAddress();
            String task = awaitAllowed();
            if (task == null || !task.equals(from)) {
                // another run's container (or a process on the host): never answered, whatever it asks
                ProxyResponses.error(exchange, 403, "RequestRefused",
                        task == null ? "this endpoint answers its task's container only, whose address is not known (it has not started)"
                                : "this endpoint answers its own task's container only, not " + from);
                return;
            }
            String host = hostOf(exchange.getRequestHeaders().getFirst("Host"));
            Route route = host == null ? null : routes.get(host);
            if (route == null) {
                ProxyResponses.error(exchange, 404, "ResourceNotFound", "no proxy named '" + host
                        + "' for this task (features enabled: " + String.join(", ", routes.keySet()) + ")");
                return;
            }
            route.handle(exchange);
        } catch (IOException | RuntimeException e) {
            // the task's connection went away mid-stream, or the upstream did: the task sees a cut response
            LOG.debug("proxy request {} {} ended: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    /** The Host header's name, lower case, without a port. */
    static String hostOf(String header) {
        if (header == null || header.isBlank()) return null;
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
