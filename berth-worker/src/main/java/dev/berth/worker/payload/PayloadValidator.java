package dev.berth.worker.payload;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.berth.worker.payload.ArtifactSpec.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a payload against {@code schemas/docker-worker/v1/payload.json} and turns a valid one into a
 * {@link DockerPayload}. Every problem is reported, not just the first, so the task author can fix
 * them all from one task log. Thread-safe; the schema is loaded once.
 */
public final class PayloadValidator {

    public static final String SCHEMA_RESOURCE = "/schemas/docker-worker/v1/payload.json";

    private final Schema schema;

    public PayloadValidator() {
        try (InputStream in = PayloadValidator.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + SCHEMA_RESOURCE);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(text, InputFormat.JSON);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The outcome: either a payload or at least one problem. */
    public record Result(DockerPayload payload, List<PayloadProblem> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        public boolean valid() { return problems.isEmpty(); }
    }

    public Result validate(JsonNode payload) {
        if (payload == null || payload.isNull() || payload.isMissingNode()) {
            return new Result(null, List.of(new PayloadProblem("/", "payload is missing")));
        }
        List<PayloadProblem> problems = new ArrayList<>();
        for (Error error : schema.validate(payload)) {
            problems.add(new PayloadProblem(pathOf(error), error.getMessage()));
        }
        // checks the schema cannot express (or that the validator leaves to annotation only)
        problems.addAll(checkTimestamps(payload));
        if (!problems.isEmpty()) return new Result(null, problems);
        return new Result(parse(payload), List.of());
    }

    private static String pathOf(Error error) {
        String location = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
        return location.isEmpty() ? "/" : location;
    }

    private static List<PayloadProblem> checkTimestamps(JsonNode payload) {
        List<PayloadProblem> problems = new ArrayList<>();
        JsonNode artifacts = payload.path("artifacts");
        for (Iterator<Map.Entry<String, JsonNode>> it = artifacts.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode expires = e.getValue().path("expires");
            if (expires.isTextual() && parseInstant(expires.asText()) == null) {
                problems.add(new PayloadProblem("/artifacts/" + e.getKey() + "/expires",
                        "'" + expires.asText() + "' is not an RFC 3339 date-time"));
            }
        }
        return problems;
    }

    private static Instant parseInstant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static DockerPayload parse(JsonNode p) {
        List<String> command = new ArrayList<>();
        p.path("command").forEach(n -> command.add(n.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        p.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        List<ArtifactSpec> artifacts = new ArrayList<>();
        p.path("artifacts").fields().forEachRemaining(e -> {
            JsonNode a = e.getValue();
            Kind kind = "directory".equals(a.path("type").asText()) ? Kind.DIRECTORY : Kind.FILE;
            Instant expires = a.hasNonNull("expires") ? parseInstant(a.get("expires").asText()) : null;
            artifacts.add(new ArtifactSpec(e.getKey(), kind, a.path("path").asText(), expires));
        });
        Map<String, String> caches = new LinkedHashMap<>();
        p.path("cache").fields().forEachRemaining(e -> caches.put(e.getKey(), e.getValue().asText()));
        Map<String, Boolean> features = new LinkedHashMap<>();
        p.path("features").fields().forEachRemaining(e -> features.put(e.getKey(), e.getValue().asBoolean()));
        List<String> encryptedEnv = new ArrayList<>();
        p.path("encryptedEnv").forEach(n -> encryptedEnv.add(n.asText()));
        JsonNode caps = p.path("capabilities");
        Map<String, Boolean> devices = new LinkedHashMap<>();
        caps.path("devices").fields().forEachRemaining(e -> devices.put(e.getKey(), e.getValue().asBoolean()));
        DockerPayload.Capabilities capabilities = new DockerPayload.Capabilities(
                caps.path("privileged").asBoolean(false), caps.path("disableSeccomp").asBoolean(false), devices);
        return new DockerPayload(
                p.has("imageBuild") ? new ImageSpec.Build(p.get("imageBuild").path("context").asText(),
                        p.get("imageBuild").path("name").asText()) : parseImage(p.get("image")),
                command,
                env,
                p.get("maxRunTime").asLong(),
                artifacts,
                intSet(p.path("onExitStatus").path("retry")),
                intSet(p.path("onExitStatus").path("purgeCaches")),
                caches,
                capabilities,
                features,
                encryptedEnv,
                p.hasNonNull("supersederUrl") ? p.get("supersederUrl").asText() : null,
                p.hasNonNull("log") ? p.get("log").asText() : DockerPayload.DEFAULT_LOG);
    }

    private static ImageSpec parseImage(JsonNode image) {
        if (image.isTextual()) return new ImageSpec.RegistryImage(image.asText());
        return switch (image.path("type").asText()) {
            case "docker-image" -> new ImageSpec.RegistryImage(image.path("name").asText());
            case "task-image" -> new ImageSpec.TaskImage(image.path("taskId").asText(), image.path("path").asText());
            case "indexed-image" -> new ImageSpec.IndexedImage(image.path("namespace").asText(), image.path("path").asText());
            default -> throw new IllegalStateException("schema admitted image type " + image.path("type"));
        };
    }

    private static Set<Integer> intSet(JsonNode array) {
        Set<Integer> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }
}
