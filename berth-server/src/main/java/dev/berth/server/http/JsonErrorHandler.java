package dev.berth.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (requests it refuses before Javalin sees them: undecodable or ambiguous paths,
 * broken request lines and headers, oversized headers) in Berth's JSON error shape instead of an HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        String reason = code == 400 ? diagnose(message) : message;
        response.write(true, ByteBuffer.wrap(body(code, reason)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    /**
     * Jetty refuses some paths (an encoded NUL, undecodable UTF-8) while decoding them, with a bare "Bad Request"
     * and without the path at hand: say what such a refusal is about.
     */
    static String diagnose(String jettyReason) {
        if (jettyReason == null || jettyReason.isBlank() || jettyReason.equalsIgnoreCase("Bad Request")) {
            return "the path holds an escape the server refuses to decode, such as an encoded NUL (%00), a malformed percent-escape or invalid UTF-8";
        }
        return jettyReason;
    }

    private static byte[] body(int code, String reason) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("code", code == 413 || code == 431 || code == 414 ? "PayloadTooLarge" : code < 500 ? "InputError" : "InternalServerError");
        String what = reason == null || reason.isBlank() ? "" : ": " + reason;
        out.put("message", code < 500
                ? "the HTTP request is malformed and was refused before reaching an API route" + what
                        + " (check the request line, the path's percent-escapes and the headers)"
                : "internal error (the server log has the details)");
        return Json.writeBytes(out);
    }
}
