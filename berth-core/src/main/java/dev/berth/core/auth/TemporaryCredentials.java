package dev.berth.core.auth;

import dev.berth.core.BerthException;
import java.time.Instant;
import java.util.List;

/**
 * Taskcluster temporary credentials: a clientId, a derived access token and the certificate (JSON text) that
 * proves the issuer granted them. Made exactly like taskcluster-client's {@code createTemporaryCredentials}, so
 * either side can make them and the other verify them.
 */
public record TemporaryCredentials(String clientId, String accessToken, String certificate) {

    /**
     * Issues temporary credentials.
     *
     * @param name clientId for named temporary credentials, or null to reuse the issuer's clientId
     */
    public static TemporaryCredentials create(String issuerClientId, String issuerAccessToken, List<String> scopes,
                                              Instant start, Instant expiry, String name) {
        return signed(issuerClientId, issuerAccessToken, scopes, start, expiry, name).credentials();
    }

    /** Temporary credentials with the certificate they carry, as issued (before any client encodes it). */
    record Signed(TemporaryCredentials credentials, Certificate certificate) {}

    static Signed signed(String issuerClientId, String issuerAccessToken, List<String> scopes, Instant start,
                         Instant expiry, String name) {
        if (issuerClientId == null || issuerClientId.isEmpty() || issuerAccessToken == null
                || issuerAccessToken.isEmpty()) {
            throw BerthException.input("issuing credentials need a clientId and an accessToken");
        }
        if (expiry.isBefore(start)) {
            throw BerthException.input("temporary credentials expire (" + expiry + ") before they start (" + start + ")");
        }
        if (expiry.toEpochMilli() - start.toEpochMilli() > Certificate.MAX_LIFETIME.toMillis()) {
            throw BerthException.input("temporary credentials cannot be valid for more than 31 days");
        }
        boolean named = name != null && !name.isEmpty();
        if (named && name.equals(issuerClientId)) {
            throw BerthException.input("the name of temporary credentials must differ from the issuer's clientId");
        }
        String seed = Slugid.v4() + Slugid.v4();
        Certificate unsigned = new Certificate(1, scopes, start.toEpochMilli(), expiry.toEpochMilli(), seed, "",
                named ? issuerClientId : null);
        String clientId = named ? name : issuerClientId;
        String signature = unsigned.expectedSignature(clientId, issuerAccessToken);
        Certificate signed = new Certificate(1, scopes, unsigned.start(), unsigned.expiry(), seed, signature,
                unsigned.issuer());
        return new Signed(new TemporaryCredentials(clientId, Certificate.deriveAccessToken(issuerAccessToken, seed),
                signed.toJsonString()), signed);
    }

    public Certificate parsedCertificate() { return Certificate.fromJson(certificate); }
}
