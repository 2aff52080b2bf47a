package dev.berth.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Taskcluster's Hawk {@code ext}: base64 (standard alphabet, padded) of a JSON object with an optional
 * {@code certificate} (temporary credentials) and optional {@code authorizedScopes} (narrowing the request to
 * fewer scopes than the credentials hold). Either may be null.
 */
public record Ext(Certificate certificate, List<String> authorizedScopes) {

    public static final Ext NONE = new Ext(null, null);

    public Ext {
        authorizedScopes = authorizedScopes == null ? null : List.copyOf(authorizedScopes);
    }

    /** Decodes a Hawk ext value; empty or null gives {@link #NONE}. */
    public static Ext parse(String ext) {
        if (ext == null || ext.isEmpty()) {
            return NONE;
        }
        JsonNode node;
        try {
            node = Json.tree(new String(Base64.getDecoder().decode(ext), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw BerthException.unauthenticated("Hawk ext is not base64-encoded JSON");
        }
        if (!node.isObject()) {
            throw BerthException.unauthenticated("Hawk ext must encode a JSON object");
        }
        Certificate certificate = node.hasNonNull("certificate") ? Certificate.fromJson(node.get("certificate")) : null;
        List<String> authorized = null;
        if (node.hasNonNull("authorizedScopes")) {
            JsonNode scopes = node.get("authorizedScopes");
            if (!scopes.isArray()) {
                throw BerthException.unauthenticated("ext.authorizedScopes must be an array of scopes");
            }
            authorized = new ArrayList<>();
            for (JsonNode scope : scopes) {
                if (!scope.isTextual() || !Scopes.isValidScope(scope.asText())) {
                    throw BerthException.unauthenticated("ext.authorizedScopes contains an invalid scope " + scope);
                }
                authorized.add(scope.asText());
            }
        }
        return new Ext(certificate, authorized);
    }

    /**
     * Encodes ext the way taskcluster-client does ({@code certificate} then {@code authorizedScopes}); null when
     * there is nothing to send, so no ext attribute is added to the header.
     *
     * @param certificateJson the certificate as JSON text (as handed out with temporary credentials), or null
     */
    public static String encode(String certificateJson, List<String> authorizedScopes) {
        if (certificateJson == null && authorizedScopes == null) {
            return null;
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (certificateJson != null) {
            JsonNode certificate;
            try {
                certificate = Json.tree(certificateJson);
            } catch (RuntimeException e) {
                throw BerthException.input("certificate is not valid JSON");
            }
            node.set("certificate", certificate);
        }
        if (authorizedScopes != null) {
            authorizedScopes.forEach(node.putArray("authorizedScopes")::add);
        }
        return Base64.getEncoder().encodeToString(Json.writeBytes(node));
    }
}
