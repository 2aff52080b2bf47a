package dev.berth.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before any route runs (a NUL or a bad escape in a path, a broken request line,
 * headers too long), in the same JSON shape as every other error instead of Jetty's HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        ObjectNode body = body(status, message);
        ObjectNode info = body.putObject("requestInfo");
        // a request Jetty could not parse has no method or path of its own ("BAD /badMessage")
        if (!"BAD".equals(request.getMethod())) {
            info.put("method", request.getMethod());
            info.put("path", request.getHttpURI().getPath());
        }
        info.put("time", Json.format(Instant.now()));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        // Jetty drops a connection that carried a request it could not parse: say so, or a client would reuse it
        if ("BAD".equals(request.getMethod())) response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(Json.writeBytes(body)), callback);
    }

    /** Requests refused while they are parsed (oversized headers, a broken request line). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(Json.writeBytes(body(status, reason)));
    }

    private static ObjectNode body(int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("code", status == 404 ? "ResourceNotFound" : status >= 500 ? "InternalServerError"
                : status == 413 || status == 414 || status == 431 ? "PayloadTooLarge" : "InputError");
        if (status >= 500) {
            body.put("message", "internal error (the server log has the details)");
            return body;
        }
        String reason = message == null || message.isBlank() ? HttpStatus.getMessage(status) : message;
        String text = "the HTTP server refused the request before any API route: " + status + " " + reason;
        if (status == 400) {
            // Jetty says only "Bad Request" for paths it will not decode, without the path at hand
            text += "; check the URL for a %00 (NUL) or other control byte, a malformed %-escape, invalid UTF-8 or an"
                    + " encoded '/' or '.' segment, and the request line and headers for bytes HTTP does not allow";
        }
        body.put("message", text);
        return body;
    }
}
