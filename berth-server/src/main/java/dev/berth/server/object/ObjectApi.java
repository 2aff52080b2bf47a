package dev.berth.server.object;

import static dev.berth.core.auth.ScopeTemplate.scope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.auth.ScopeTemplate;
import dev.berth.core.json.Json;
import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectService;
import dev.berth.server.http.ApiErrors;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.RouteTable;
import dev.berth.server.http.ServiceMetaRoutes;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The object service's HTTP routes, Taskcluster object v1 wire format, all declared in the table of {@link #routes}. */
public final class ObjectApi {

    public static final String PREFIX = "/api/object/v1";
    /** As Taskcluster's S3 backend: a PUT URL lasts about an hour, a getUrl answer a minute, a simple URL half an hour. */
    static final Duration PUT_URL_VALIDITY = Duration.ofHours(1);
    static final Duration GET_URL_ANSWER_VALIDITY = Duration.ofMinutes(1);
    static final Duration GET_URL_VALIDITY = Duration.ofMinutes(2);
    static final Duration SIMPLE_URL_VALIDITY = Duration.ofMinutes(30);

    private static final String CREATE_UPLOAD = "object/v1/create-upload-request.json";
    private static final String FINISH_UPLOAD = "object/v1/finish-upload-request.json";
    private static final String DOWNLOAD = "object/v1/download-object-request.json";

    private final ObjectService objects;
    private final ObjectUrls urls;
    private final Bodies bodies;
    private final Clock clock;

    public ObjectApi(ObjectService objects, ObjectUrls urls, Bodies bodies, Clock clock) {
        this.objects = objects;
        this.urls = urls;
        this.bodies = bodies;
        this.clock = clock;
    }

    /** Every object route once: method, path, Taskcluster name, the scopes it needs (as Taskcluster's reference), handler. */
    public RouteTable routes() {
        RouteTable t = new RouteTable(PREFIX);
        ServiceMetaRoutes.addTo(t, objects::heartbeat);
        ScopeTemplate upload = scope("object:upload:<projectId>:<name>");
        t.put("/upload/<name>", "createUpload", upload, ctx -> projectId(ctx, CREATE_UPLOAD), this::createUpload);
        t.post("/finish-upload/<name>", "finishUpload", upload, ctx -> projectId(ctx, FINISH_UPLOAD), this::finishUpload);
        ScopeTemplate download = scope("object:download:<name>");
        t.put("/start-download/<name>", "startDownload", download, this::startDownload);
        t.get("/metadata/<name>", "object", download, this::metadata);
        t.get("/download/<name>", "download", download, ctx -> {
            ObjectRecord o = objects.finished(ctx.pathParam("name"));
            ctx.status(303).header("Location", urls.getUrl(o, SIMPLE_URL_VALIDITY)).result("");
        });
        // Berth's stand-in for presigned URLs on a store without them: the URL's token stands for the scope
        t.put("/data/<name>", "uploadObjectData", null, this::receiveData);
        t.get("/data/<name>", "downloadObjectData", null, this::serveData);
        return t;
    }

    private Map<String, ?> projectId(Context ctx, String schema) {
        return Map.of("projectId", bodies.json(ctx, schema).get("projectId").asText());
    }

    private void createUpload(Context ctx) {
        String name = ctx.pathParam("name");
        JsonNode body = bodies.json(ctx, CREATE_UPLOAD);
        JsonNode methods = body.get("proposedUploadMethods");
        ObjectService.DataInline inline = null;
        if (methods.has("dataInline")) {
            JsonNode d = methods.get("dataInline");
            byte[] data;
            try {
                data = Base64.getMimeDecoder().decode(d.get("objectData").asText());
            } catch (IllegalArgumentException e) {
                throw BerthException.input("proposedUploadMethods.dataInline.objectData is not valid base64: " + e.getMessage());
            }
            inline = new ObjectService.DataInline(d.get("contentType").asText(), data);
        }
        ObjectService.PutUrl put = null;
        if (methods.has("putUrl")) {
            JsonNode p = methods.get("putUrl");
            put = new ObjectService.PutUrl(p.get("contentType").asText(), p.get("contentLength").asLong());
        }
        ObjectService.Upload u = objects.createUpload(name, new ObjectService.CreateUpload(body.get("projectId").asText(),
                body.get("uploadId").asText(), instant(body.get("expires").asText(), "expires"), hashes(body.get("hashes")), inline, put));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("projectId", u.object().projectId());
        out.put("uploadId", u.object().uploadId());
        out.put("expires", Json.format(u.object().expires()));
        ObjectNode method = out.putObject("uploadMethod");
        switch (u.method()) {
            case DATA_INLINE -> method.put("dataInline", true);
            case PUT_URL -> {
                ObjectNode p = method.putObject("putUrl");
                p.put("url", urls.putUrl(u.object(), PUT_URL_VALIDITY.plusSeconds(10)));
                p.put("expires", Json.format(clock.instant().plus(PUT_URL_VALIDITY)));
                ObjectNode headers = p.putObject("headers");
                headers.put("Content-Type", u.object().contentType());
                headers.put("Content-Length", Long.toString(u.object().size()));
                headers.put("Content-Encoding", "identity");
            }
            case NONE -> { }
        }
        json(ctx, out);
    }

    private void finishUpload(Context ctx) {
        JsonNode body = bodies.json(ctx, FINISH_UPLOAD);
        objects.finishUpload(ctx.pathParam("name"), body.get("projectId").asText(), body.get("uploadId").asText(),
                hashes(body.get("hashes")));
        json(ctx, Json.MAPPER.createObjectNode());
    }

    private void startDownload(Context ctx) {
        JsonNode body = bodies.json(ctx, DOWNLOAD);
        ObjectRecord o = objects.finished(ctx.pathParam("name"));
        Set<String> accepted = new HashSet<>();
        body.get("acceptDownloadMethods").fieldNames().forEachRemaining(accepted::add);
        String method;
        try {
            method = ObjectService.downloadMethod(accepted);
        } catch (ObjectService.NoMatchingMethod e) {
            ApiErrors.write(ctx, 406, "NoMatchingMethod", e.getMessage());
            return;
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("method", method);
        if (method.equals("getUrl")) {
            out.put("url", urls.getUrl(o, GET_URL_VALIDITY));
            out.put("expires", Json.format(clock.instant().plus(GET_URL_ANSWER_VALIDITY)));
            out.set("hashes", Json.MAPPER.valueToTree(o.hashes()));
        } else {
            out.put("url", urls.getUrl(o, SIMPLE_URL_VALIDITY));
        }
        json(ctx, out);
    }

    private void metadata(Context ctx) {
        ObjectRecord o = objects.finished(ctx.pathParam("name"));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("projectId", o.projectId());
        out.put("expires", Json.format(o.expires()));
        out.set("hashes", Json.MAPPER.valueToTree(o.hashes()));
        json(ctx, out);
    }

    private void receiveData(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        ObjectRecord o = objects.unfinished(name);
        if (!urls.uploadTokenValid(ctx.queryParam("token"), o)) {
            throw BerthException.forbidden("the upload URL of object '" + name + "' is not valid (or has expired): call createUpload for a new one");
        }
        try (InputStream in = ctx.bodyInputStream()) {
            objects.receive(name, o.uploadId(), in);
        }
        ctx.status(200).result("");
    }

    private void serveData(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        ObjectRecord o = objects.finished(name);
        if (!urls.downloadTokenValid(ctx.queryParam("token"), o)) {
            throw BerthException.forbidden("the download URL of object '" + name + "' is not valid (or has expired): call startDownload for a new one");
        }
        ctx.contentType(o.contentType() == null ? "application/octet-stream" : o.contentType());
        // bytes go out as stored, so what the client hashes is what was uploaded
        ctx.disableCompression();
        ctx.res().setContentLengthLong(o.size());
        try (InputStream body = objects.open(o); OutputStream out = ctx.res().getOutputStream()) {
            body.transferTo(out);
        }
    }

    private static Map<String, String> hashes(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) return out;
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) throw BerthException.input("hashes." + e.getKey() + " must be a string");
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static Instant instant(String text, String field) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw BerthException.input(field + " must be an ISO-8601 timestamp; got '" + text + "'");
        }
    }

    private static void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.writeBytes(body));
    }
}
