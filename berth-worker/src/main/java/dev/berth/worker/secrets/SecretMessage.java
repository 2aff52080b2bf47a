package dev.berth.worker.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;

/**
 * The clear text of one {@code encryptedEnv} entry, as docker-worker defined it:
 * {@code {messageVersion: 1, taskId, startTime, endTime, name, value}}, times in milliseconds since
 * the epoch. {@link #toString()} leaves the value out, so a message never reaches a log whole.
 */
public record SecretMessage(int messageVersion, String taskId, Instant startTime, Instant endTime, String name, String value) {

    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("messageVersion", messageVersion);
        o.put("taskId", taskId);
        o.put("startTime", startTime.toEpochMilli());
        o.put("endTime", endTime.toEpochMilli());
        o.put("name", name);
        o.put("value", value);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the JSON of a decrypted message.
     *
     * @throws IllegalArgumentException naming what is missing or of the wrong type (never the value)
     */
    public static SecretMessage fromJson(byte[] json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            // the parser's message may quote the text, which holds the value
            throw new IllegalArgumentException("the decrypted message is not JSON");
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("the decrypted message is not a JSON object");
        JsonNode version = o.get("messageVersion");
        if (version == null || !version.canConvertToInt()) throw new IllegalArgumentException("messageVersion is missing or not a number");
        return new SecretMessage(version.asInt(), text(o, "taskId"), millis(o, "startTime"), millis(o, "endTime"),
                text(o, "name"), text(o, "value"));
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException(field + " is missing or not a string");
        return n.asText();
    }

    private static Instant millis(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(field + " is missing or not a whole number of milliseconds since the epoch");
        }
        return Instant.ofEpochMilli(n.asLong());
    }

    @Override
    public String toString() {
        return "SecretMessage[messageVersion=" + messageVersion + ", taskId=" + taskId + ", startTime=" + startTime
                + ", endTime=" + endTime + ", name=" + name + ", value=[secret]]";
    }
}
