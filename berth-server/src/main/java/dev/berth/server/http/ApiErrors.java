package dev.berth.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps every failure to Taskcluster's JSON error shape: {@code {code, message, requestInfo}}. */
public final class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {}

    public static int status(BerthException.Kind kind) {
        return switch (kind) {
            case INPUT_ERROR -> 400;
            case AUTHENTICATION_FAILED -> 401;
            case INSUFFICIENT_SCOPES -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case FAILED_DEPENDENCY -> 424;
            case UNAVAILABLE -> 503;
            case INTERNAL -> 500;
        };
    }

    public static void install(JavalinConfig config) {
        config.routes.exception(BerthException.class, (e, ctx) -> {
            int status = status(e.kind());
            // a server-side failure's message may hold SQL, paths or versions: it goes to the log, not the client
            if (status >= 500) internal(ctx, status, e.kind().code(), e);
            else write(ctx, status, e.kind().code(), e.getMessage());
        });
        config.routes.exception(JsonProcessingException.class, (e, ctx) ->
                write(ctx, 400, "MalformedPayload", "the request body is not valid JSON: " + e.getOriginalMessage()));
        config.routes.exception(HttpResponseException.class, (e, ctx) ->
                write(ctx, e.getStatus(), e.getStatus() == 413 ? "PayloadTooLarge" : "InputError", e.getMessage()));
        config.routes.exception(NumberFormatException.class, (e, ctx) ->
                write(ctx, 400, "InputError", "a number in the request is malformed: " + e.getMessage()));
        config.routes.exception(Exception.class, (e, ctx) -> internal(ctx, 500, "InternalServerError", e));
        config.routes.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                write(ctx, 404, "ResourceNotFound", "no such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
        config.routes.error(405, ctx -> write(ctx, 405, "MethodNotAllowed", ctx.method() + " is not allowed on " + ctx.path()));
    }

    /** Logs the failure at ERROR under a fresh reference id and answers a message that holds only that id. */
    private static void internal(Context ctx, int status, String code, Exception e) {
        String ref = java.util.UUID.randomUUID().toString();
        log.error("request {} {} failed (reference {})", ctx.method(), ctx.path(), ref, e);
        String what = status == 503 ? "the server cannot serve this request now; try again later"
                : "internal error";
        write(ctx, status, code, what + " (reference " + ref + "; the server log has the details)");
    }

    public static void write(Context ctx, int status, String code, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        ObjectNode info = body.putObject("requestInfo");
        info.put("method", ctx.method().name());
        info.put("path", ctx.path());
        info.put("time", Json.format(Instant.now()));
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }
}
