package dev.berth.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.berth.core.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas kept as classpath resources under {@code schemas/} (e.g. {@code queue/v1/create-task-request.json}),
 * served by the server under {@code /schemas/} and used to validate input. Validation reports every problem.
 */
public final class JsonSchemas {

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final ConcurrentHashMap<String, Schema> compiled = new ConcurrentHashMap<>();

    /** The raw schema document, or null when there is none by that name. */
    public static JsonNode document(String name) {
        if (name.contains("..")) return null;
        try (InputStream in = JsonSchemas.class.getClassLoader().getResourceAsStream("schemas/" + name)) {
            return in == null ? null : Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every problem of {@code value} against the named schema, as "path: message" lines; empty when valid. */
    public List<String> problems(String schemaName, JsonNode value) {
        Schema schema = compiled.computeIfAbsent(schemaName, n -> {
            JsonNode doc = document(n);
            if (doc == null) throw new IllegalArgumentException("no schema named " + n);
            return registry.getSchema(Json.write(doc));
        });
        List<Error> errors = schema.validate(value);
        return errors.stream().map(JsonSchemas::describe).toList();
    }

    /** Throws an input error listing every problem when {@code value} does not match. */
    public void require(String schemaName, JsonNode value, String what) {
        List<String> problems = problems(schemaName, value);
        if (!problems.isEmpty()) {
            throw BerthException.input(what + " does not match schema " + schemaName + ":\n  " + String.join("\n  ", problems));
        }
    }

    private static String describe(Error e) {
        String path = e.getInstanceLocation() == null ? "$" : e.getInstanceLocation().toString();
        String msg = e.getMessage();
        // networknt's messages already start with the location; avoid saying it twice
        return msg != null && msg.startsWith(path) ? msg : path + ": " + msg;
    }
}
