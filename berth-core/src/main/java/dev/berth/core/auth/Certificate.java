package dev.berth.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The certificate of Taskcluster temporary credentials, as carried in Hawk {@code ext.certificate}.
 *
 * <p>Its signature is HMAC-SHA256 under the issuer's access token over the lines {@code version:1},
 * (for named credentials) {@code clientId:<name>} and {@code issuer:<issuer>}, {@code seed:<seed>},
 * {@code start:<ms>}, {@code expiry:<ms>}, {@code scopes:} and then one line per scope, joined by newlines with
 * no trailing newline. The temporary access token is HMAC-SHA256(issuer token, seed) in unpadded base64url.
 *
 * @param issuer the issuing clientId, present only for named temporary credentials
 */
public record Certificate(int version, List<String> scopes, long start, long expiry, String seed, String signature,
                          String issuer) {

    /** Longest validity taskcluster-client and the auth service accept. */
    public static final Duration MAX_LIFETIME = Duration.ofDays(31);
    /** Clock skew tolerated on start and expiry, same as for Hawk timestamps. */
    public static final Duration SKEW = Hawk.MAX_SKEW;
    /** Two v4 slugs. */
    public static final int SEED_LENGTH = 44;

    public Certificate {
        scopes = List.copyOf(scopes);
    }

    /** Parses the certificate object (or its JSON text, which taskcluster-client also accepts). */
    public static Certificate fromJson(JsonNode node) {
        if (node != null && node.isTextual()) {
            try {
                node = Json.tree(node.asText());
            } catch (RuntimeException e) {
                throw BerthException.unauthenticated("ext.certificate is a string but not JSON");
            }
        }
        if (node == null || !node.isObject()) {
            throw BerthException.unauthenticated("ext.certificate must be an object");
        }
        JsonNode scopes = node.get("scopes");
        if (!node.path("version").isInt() || scopes == null || !scopes.isArray()
                || !node.path("start").isIntegralNumber() || !node.path("expiry").isIntegralNumber()
                || !node.path("seed").isTextual() || !node.path("signature").isTextual()
                || (node.has("issuer") && !node.get("issuer").isTextual())) {
            throw BerthException.unauthenticated("ext.certificate must have version, scopes, start, expiry (ms), "
                    + "seed, signature and optionally issuer");
        }
        List<String> scopeList = new ArrayList<>();
        for (JsonNode scope : scopes) {
            if (!scope.isTextual()) {
                throw BerthException.unauthenticated("ext.certificate.scopes must be strings");
            }
            scopeList.add(scope.asText());
        }
        return new Certificate(node.get("version").asInt(), scopeList, node.get("start").asLong(),
                node.get("expiry").asLong(), node.get("seed").asText(), node.get("signature").asText(),
                node.has("issuer") ? node.get("issuer").asText() : null);
    }

    public static Certificate fromJson(String json) {
        try {
            return fromJson(Json.tree(json));
        } catch (BerthException e) {
            throw e;
        } catch (RuntimeException e) {
            throw BerthException.unauthenticated("certificate is not JSON");
        }
    }

    /** The JSON object in taskcluster-client's field order (version, scopes, start, expiry, seed, signature, issuer). */
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("version", version);
        scopes.forEach(node.putArray("scopes")::add);
        node.put("start", start);
        node.put("expiry", expiry);
        node.put("seed", seed);
        node.put("signature", signature);
        if (issuer != null) {
            node.put("issuer", issuer);
        }
        return node;
    }

    public String toJsonString() { return Json.write(toJson()); }

    public boolean isNamed() { return issuer != null; }

    /** The signature the issuer's token gives this certificate when used by {@code clientId}. */
    public String expectedSignature(String clientId, String issuerAccessToken) {
        StringBuilder content = new StringBuilder("version:").append(version).append('\n');
        if (issuer != null) {
            content.append("clientId:").append(clientId).append('\n');
            content.append("issuer:").append(issuer).append('\n');
        }
        content.append("seed:").append(seed).append('\n')
                .append("start:").append(start).append('\n')
                .append("expiry:").append(expiry).append('\n')
                .append("scopes:\n")
                .append(String.join("\n", scopes));
        return Base64.getEncoder().encodeToString(Hawk.hmacSha256(issuerAccessToken, content.toString()));
    }

    /** The temporary access token this certificate's seed derives from the issuer's token. */
    public String temporaryAccessToken(String issuerAccessToken) {
        return deriveAccessToken(issuerAccessToken, seed);
    }

    static String deriveAccessToken(String issuerAccessToken, String seed) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hawk.hmacSha256(issuerAccessToken, seed));
    }

    /**
     * Checks everything about the certificate the server can check, the way Taskcluster's auth service does;
     * throws {@link BerthException} (authentication failed) with the reason otherwise.
     *
     * @param clientId the Hawk id the request was signed as (the name, for named credentials)
     * @param issuerClientId {@code issuer} when named, else {@code clientId}
     * @param issuerExpandedScopes the issuer's scopes after role expansion
     */
    public void verify(String clientId, String issuerClientId, String issuerAccessToken,
                       Collection<String> issuerExpandedScopes, Instant now) {
        if (version != 1) {
            throw BerthException.unauthenticated("ext.certificate.version must be 1, got " + version);
        }
        if (seed.length() != SEED_LENGTH) {
            throw BerthException.unauthenticated("ext.certificate.seed must be " + SEED_LENGTH + " characters");
        }
        if (!Hawk.constantTimeEquals(expectedSignature(clientId, issuerAccessToken), signature)) {
            throw BerthException.unauthenticated(issuer != null
                    ? "ext.certificate.signature is not valid, or the wrong clientId was used with it"
                    : "ext.certificate.signature is not valid");
        }
        verifyValidity(now);
        if (expiry - start > MAX_LIFETIME.toMillis()) {
            throw BerthException.unauthenticated("temporary credentials cannot be valid for more than 31 days");
        }
        if (issuer != null) {
            if (issuer.equals(clientId)) {
                throw BerthException.unauthenticated("named temporary credentials must have a clientId different "
                        + "from their issuer " + issuer);
            }
            String createScope = "auth:create-client:" + clientId;
            if (!Scopes.satisfiedBy(issuerExpandedScopes, createScope)) {
                throw BerthException.unauthenticated("ext.certificate issuer " + issuer + " lacks " + createScope
                        + ", needed to name temporary credentials " + clientId);
            }
        }
        List<String> missing = Scopes.missing(issuerExpandedScopes, scopes);
        if (!missing.isEmpty()) {
            throw BerthException.unauthenticated("ext.certificate issuer " + issuerClientId
                    + " does not hold the certificate's scopes " + missing);
        }
    }

    /** Checks that {@code now} is within start and expiry (with {@link #SKEW}); the part of {@link #verify} that changes with time. */
    public void verifyValidity(Instant now) {
        if (start > now.toEpochMilli() + SKEW.toMillis()) {
            throw BerthException.unauthenticated("temporary credentials are not valid before "
                    + Instant.ofEpochMilli(start));
        }
        if (expiry < now.toEpochMilli() - SKEW.toMillis()) {
            throw BerthException.unauthenticated("temporary credentials expired at " + Instant.ofEpochMilli(expiry));
        }
    }

    /** The certificate's start and expiry as instants. */
    public Instant startInstant() { return Instant.ofEpochMilli(start); }

    public Instant expiryInstant() { return Instant.ofEpochMilli(expiry); }
}
