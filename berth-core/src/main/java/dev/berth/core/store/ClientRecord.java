package dev.berth.core.store;

import java.time.Instant;
import java.util.List;

/**
 * A client of the auth service. The access token is never stored in the clear: {@code sealedAccessToken} is
 * the token encrypted with the server's key (Hawk is a shared-secret MAC, so the server needs the key itself
 * to check a signature; a database dump alone gives nothing away).
 */
public record ClientRecord(
        String clientId,
        String description,
        String sealedAccessToken,
        List<String> scopes,
        Instant created,
        Instant lastModified,
        Instant lastDateUsed,
        Instant lastRotated,
        Instant expires,
        boolean disabled,
        boolean deleteOnExpiration) {

    public ClientRecord {
        scopes = List.copyOf(scopes);
    }
}
