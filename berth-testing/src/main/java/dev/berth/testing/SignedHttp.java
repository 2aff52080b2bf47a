package dev.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A tiny HTTP client for tests: {@link java.net.http.HttpClient} plus a Hawk Authorization header made with
 * core's {@link Hawk#header}, optionally with a temporary-credential certificate and/or authorizedScopes in ext.
 * Unsigned when the client id is null. Paths are relative to the root URL ({@code /api/queue/v1/...}).
 */
public final class SignedHttp {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final String rootUrl;
    private final String clientId;
    private final String accessToken;
    private final String certificate;
    private final List<String> authorizedScopes;

    private SignedHttp(String rootUrl, String clientId, String accessToken, String certificate, List<String> authorizedScopes) {
        this.rootUrl = rootUrl.endsWith("/") ? rootUrl.substring(0, rootUrl.length() - 1) : rootUrl;
        this.clientId = clientId;
        this.accessToken = accessToken;
        this.certificate = certificate;
        this.authorizedScopes = authorizedScopes;
    }

    public static SignedHttp signed(String rootUrl, String clientId, String accessToken) {
        return new SignedHttp(rootUrl, clientId, accessToken, null, null);
    }

    public static SignedHttp anonymous(String rootUrl) {
        return new SignedHttp(rootUrl, null, null, null, null);
    }

    /** Signs with temporary credentials as handed out by claimWork: {@code {clientId, accessToken, certificate}}. */
    public static SignedHttp temporary(String rootUrl, JsonNode credentials) {
        return new SignedHttp(rootUrl, credentials.get("clientId").asText(), credentials.get("accessToken").asText(),
                credentials.get("certificate").asText(), null);
    }

    public SignedHttp withCertificate(String certificateJson) {
        return new SignedHttp(rootUrl, clientId, accessToken, certificateJson, authorizedScopes);
    }

    public SignedHttp withAuthorizedScopes(List<String> scopes) {
        return new SignedHttp(rootUrl, clientId, accessToken, certificate, scopes);
    }

    public String rootUrl() { return rootUrl; }

    /** A response: status, headers and body (bytes), with JSON helpers. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public String text() { return new String(body, StandardCharsets.UTF_8); }

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response " + status + " is not JSON: " + text(), e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }

        @Override
        public String toString() { return status + " " + text(); }
    }

    public Response get(String path) { return send("GET", path, null, null, Map.of()); }

    public Response get(String path, Map<String, String> headers) { return send("GET", path, null, null, headers); }

    public Response delete(String path) { return send("DELETE", path, null, null, Map.of()); }

    public Response put(String path, Object json) { return sendJson("PUT", path, json); }

    public Response post(String path, Object json) { return sendJson("POST", path, json); }

    public Response sendJson(String method, String path, Object json) {
        byte[] body = json == null ? null
                : json instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                : json instanceof byte[] b ? b : Json.writeBytes(Json.MAPPER.valueToTree(json));
        return send(method, path, body, "application/json", Map.of());
    }

    /** Sends a request; {@code path} may be a full URL (as a putUrl) or a path under the root URL. */
    public Response send(String method, String path, byte[] body, String contentType, Map<String, String> headers) {
        HttpResponse<byte[]> r = exchange(method, path, body, contentType, headers, HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().map(), r.body());
    }

    /** Sends a request and returns the streaming response (for following live artifacts). */
    public HttpResponse<InputStream> stream(String method, String path) {
        return exchange(method, path, null, null, Map.of(), HttpResponse.BodyHandlers.ofInputStream());
    }

    public URI uri(String path) {
        return URI.create(path.startsWith("http://") || path.startsWith("https://") ? path : rootUrl + path);
    }

    private <T> HttpResponse<T> exchange(String method, String path, byte[] body, String contentType,
                                         Map<String, String> headers, HttpResponse.BodyHandler<T> handler) {
        URI uri = uri(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null && body != null) b.header("Content-Type", contentType);
        headers.forEach(b::header);
        if (clientId != null) {
            String ext = Ext.encode(certificate, authorizedScopes);
            b.header("Authorization", Hawk.header(method, uri, clientId, accessToken, ext, null));
        }
        try {
            return HTTP.send(b.build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A new JSON object node, for building request bodies. */
    public static ObjectNode object() { return Json.MAPPER.createObjectNode(); }
}
