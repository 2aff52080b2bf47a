package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.json.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Supplier;

/**
 * HTTP client for Berth's Taskcluster-compatible APIs. Every request to the service is Hawk-signed the way
 * taskcluster-client signs it (SHA-256, ext = base64 JSON with the certificate of temporary credentials and
 * optional authorizedScopes, no payload hash); without credentials requests go unsigned.
 *
 * <p>Paths are relative to {@code <rootUrl>/api/<service>/v1}. Route arguments are percent-encoded like
 * JavaScript's {@code encodeURIComponent}, so {@code public/log.txt} travels as {@code public%2Flog.txt}.
 * Responses of 5xx and connection failures are retried with exponential backoff (as taskcluster-client does),
 * except for streamed uploads, which cannot be replayed.
 */
public final class BerthClient {

    private static final int MAX_REDIRECTS = 10;
    private static final String JSON = "application/json";

    private final URI rootUrl;
    private final Credentials credentials;
    private final List<String> authorizedScopes;
    private final String ext;
    private final HttpClient http;
    private final int retries;
    private final Duration timeout;

    public BerthClient(String rootUrl, Credentials credentials) {
        this(rootUrl, credentials, null, defaultHttpClient(), 5, Duration.ofSeconds(30));
    }

    private BerthClient(String rootUrl, Credentials credentials, List<String> authorizedScopes, HttpClient http,
                        int retries, Duration timeout) {
        String root = Objects.requireNonNull(rootUrl, "rootUrl").replaceAll("/+$", "");
        this.rootUrl = URI.create(root);
        if (this.rootUrl.getScheme() == null || this.rootUrl.getHost() == null) {
            throw new IllegalArgumentException("rootUrl must be an absolute http(s) URL, got " + rootUrl);
        }
        this.credentials = credentials;
        this.authorizedScopes = authorizedScopes == null ? null : List.copyOf(authorizedScopes);
        this.ext = credentials == null ? null : Ext.encode(credentials.certificate(), this.authorizedScopes);
        this.http = http;
        this.retries = retries;
        this.timeout = timeout;
    }

    /** A client configured by {@link ClientConfig#load()} (environment, then {@code ~/.config/berth/client.json}). */
    public static BerthClient fromEnvironment() {
        ClientConfig config = ClientConfig.load();
        return new BerthClient(config.rootUrl(), config.credentials());
    }

    /** The same client, with requests limited to {@code scopes} (ext.authorizedScopes); null lifts the limit. */
    public BerthClient withAuthorizedScopes(List<String> scopes) {
        return new BerthClient(rootUrl.toString(), credentials, scopes, http, retries, timeout);
    }

    /** The same client with other credentials (e.g. the temporary credentials of a claimed run). */
    public BerthClient withCredentials(Credentials other) {
        return new BerthClient(rootUrl.toString(), other, authorizedScopes, http, retries, timeout);
    }

    /** The same client with a different retry count (0 disables retries) and per-request timeout. */
    public BerthClient withRetries(int maxRetries, Duration requestTimeout) {
        return new BerthClient(rootUrl.toString(), credentials, authorizedScopes, http, maxRetries, requestTimeout);
    }

    public QueueClient queue() { return new QueueClient(this); }

    public AuthClient auth() { return new AuthClient(this); }

    public IndexClient index() { return new IndexClient(this); }

    public PurgeCacheClient purgeCache() { return new PurgeCacheClient(this); }

    public WorkerManagerClient workerManager() { return new WorkerManagerClient(this); }

    public String rootUrl() { return rootUrl.toString(); }

    public Credentials credentials() { return credentials; }

    // ---------------------------------------------------------------- URLs

    /**
     * A path from a route template, each {@code <name>} replaced in order by an encoded argument, e.g.
     * {@code path("/task/<taskId>/runs/<runId>", taskId, 0)}.
     */
    public static String path(String template, Object... args) {
        StringBuilder out = new StringBuilder();
        int argument = 0;
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('<', at);
            if (open < 0) {
                out.append(template, at, template.length());
                break;
            }
            int close = template.indexOf('>', open);
            if (argument >= args.length) {
                throw new IllegalArgumentException("route " + template + " needs more than " + args.length + " arguments");
            }
            String value = String.valueOf(Objects.requireNonNull(args[argument++],
                    () -> "route argument " + template.substring(open, close + 1) + " is null"));
            if (value.isEmpty()) {
                throw new IllegalArgumentException("route argument " + template.substring(open, close + 1) + " is empty");
            }
            out.append(template, at, open).append(encodeComponent(value));
            at = close + 1;
        }
        if (argument != args.length) {
            throw new IllegalArgumentException("route " + template + " takes " + argument + " arguments, got " + args.length);
        }
        return out.toString();
    }

    /** Percent-encodes like JavaScript's encodeURIComponent (leaves {@code A-Za-z0-9-_.!~*'()}). */
    public static String encodeComponent(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("+", "%20").replace("%21", "!").replace("%27", "'").replace("%28", "(")
                .replace("%29", ")").replace("%7E", "~");
    }

    /** The absolute URL of {@code path} on {@code service}, with query parameters (null values skipped). */
    public URI url(String service, String path, Map<String, ?> query) {
        StringBuilder url = new StringBuilder(rootUrl.toString()).append("/api/").append(service).append("/v1")
                .append(path.startsWith("/") ? path : "/" + path);
        if (query != null && !query.isEmpty()) {
            StringJoiner joined = new StringJoiner("&");
            query.forEach((name, value) -> {
                if (value != null) {
                    joined.add(encodeComponent(name) + "=" + encodeComponent(String.valueOf(value)));
                }
            });
            if (joined.length() > 0) {
                url.append('?').append(joined);
            }
        }
        return URI.create(url.toString());
    }

    /**
     * A bewit-signed GET URL for {@code path}, valid for {@code ttl}: anyone holding it can fetch the resource
     * without credentials (taskcluster-client's buildSignedUrl).
     */
    public URI buildSignedUrl(String service, String path, Map<String, ?> query, Duration ttl) {
        URI url = url(service, path, query);
        if (credentials == null) {
            throw new IllegalStateException("signed URLs need credentials");
        }
        return Hawk.bewitUrl(url, credentials.clientId(), credentials.accessToken(), ext, ttl, Instant.now());
    }

    // ---------------------------------------------------------------- requests

    /**
     * A signed request to a route not wrapped by {@link QueueClient} or {@link AuthClient}.
     *
     * @param body serialised as JSON when non-null (a JsonNode, record or map)
     * @return the JSON response; an empty object when the response has no body
     */
    public JsonNode request(String method, String service, String path, Map<String, ?> query, Object body) {
        URI url = url(service, path, query);
        byte[] payload = body == null ? null : Json.writeBytes(body);
        HttpResponse<byte[]> response = sendWithRetries(method, url,
                () -> payload == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(payload),
                payload == null ? null : JSON, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw error(method, url, response.statusCode(), response.body(),
                    response.headers().firstValue("Location").orElse(null));
        }
        if (response.body().length == 0) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("response of " + method + " " + url + " is not JSON", e);
        }
    }

    public JsonNode get(String service, String path) { return request("GET", service, path, null, null); }

    /**
     * Opens a GET of {@code path} as a stream, following redirects (the artifact routes answer 303 with the
     * storage URL). The first hop is signed; later hops are signed only when they stay on the root URL's
     * origin, so credentials never go to a storage backend. The caller closes the stream.
     */
    public InputStream openStream(String service, String path) {
        URI url = url(service, path, null);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<InputStream> response = sendWithRetries("GET", url, HttpRequest.BodyPublishers::noBody,
                    null, HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                drain(response.body());
                url = url.resolve(response.headers().firstValue("Location").get());
                continue;
            }
            if (status >= 300) {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(64 * 1024);
                } catch (IOException e) {
                    body = new byte[0];
                }
                throw error("GET", url, status, body, null);
            }
            return response.body();
        }
        throw new UncheckedIOException(new IOException("more than " + MAX_REDIRECTS + " redirects from " + url));
    }

    /** Streams GET {@code path} into {@code target} (written atomically via a sibling temp file). */
    public void download(String service, String path, Path target) {
        Path temp = null;
        try (InputStream in = openStream(service, path)) {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, ".download-", ".part");
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("download of " + path + " to " + target + " failed: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: a stray .part file is harmless
                }
            }
        }
    }

    /**
     * PUTs a file to {@code url} (typically the {@code putUrl} createArtifact returned), streaming it from disk.
     * Signed only when {@code url} is on the root URL's origin.
     */
    public void upload(URI url, Path file, String contentType) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new FileNotFoundException("no file to upload at " + file));
        }
        HttpResponse<byte[]> response = sendWithRetries("PUT", url, () -> {
            try {
                return HttpRequest.BodyPublishers.ofFile(file);
            } catch (FileNotFoundException e) {
                throw new UncheckedIOException(e);
            }
        }, contentType, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw error("PUT", url, response.statusCode(), response.body(), null);
        }
    }

    /**
     * PUTs {@code length} bytes read from {@code body} to {@code url}, streaming. Not retried: the stream
     * cannot be rewound. Signed only when {@code url} is on the root URL's origin.
     */
    public void upload(URI url, InputStream body, long length, String contentType) {
        HttpResponse<byte[]> response = send("PUT", url,
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), length),
                contentType, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw error("PUT", url, response.statusCode(), response.body(), null);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private <T> HttpResponse<T> sendWithRetries(String method, URI url, Supplier<HttpRequest.BodyPublisher> body,
                                                String contentType, HttpResponse.BodyHandler<T> handler) {
        RuntimeException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                sleepBackoff(attempt);
            }
            try {
                HttpResponse<T> response = send(method, url, body.get(), contentType, handler);
                if (response.statusCode() < 500 || attempt == retries) {
                    return response;
                }
                closeIfStream(response.body());
                last = null;
            } catch (UncheckedIOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IllegalStateException("unreachable");
    }

    private <T> HttpResponse<T> send(String method, URI url, HttpRequest.BodyPublisher body, String contentType,
                                     HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout).method(method, body)
                .header("Accept", JSON);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (credentials != null && sameOrigin(url)) {
            request.header("Authorization",
                    Hawk.header(method, url, credentials.clientId(), credentials.accessToken(), ext, null));
        }
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + url, e);
        }
    }

    private boolean sameOrigin(URI url) {
        return rootUrl.getScheme().equalsIgnoreCase(url.getScheme())
                && rootUrl.getHost().equalsIgnoreCase(url.getHost())
                && Hawk.portOf(rootUrl) == Hawk.portOf(url);
    }

    private static BerthApiException error(String method, URI url, int status, byte[] body, String location) {
        String code = "HttpError";
        String message = body == null || body.length == 0 ? "(no body)" : new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json != null && json.isObject() && json.hasNonNull("code")) {
                code = json.get("code").asText();
                message = json.path("message").asText(message);
            }
        } catch (IOException | RuntimeException notJson) {
            // keep the raw text as the message
        }
        if (status >= 300 && status < 400) {
            message = "unexpected redirect" + (location != null ? " to " + location : "") + "; " + message;
        }
        return new BerthApiException(status, code, message, method, url.toString());
    }

    private void sleepBackoff(int attempt) {
        // 100 ms, 200 ms, 400 ms, ... capped at 10 s, with jitter so retrying clients spread out
        long base = Math.min(10_000L, 100L << Math.min(attempt - 1, 10));
        long jittered = (long) (base * (0.75 + Math.random() * 0.5));
        try {
            Thread.sleep(jittered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }

    private static void closeIfStream(Object body) {
        if (body instanceof InputStream in) {
            drain(in);
        }
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is discarded either way
        }
    }

    private static HttpClient defaultHttpClient() {
        // Redirects are followed by hand so that only same-origin hops are signed.
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public String toString() {
        return "BerthClient[" + rootUrl + ", " + (credentials == null ? "unsigned" : credentials) + "]";
    }
}
