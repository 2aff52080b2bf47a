package dev.berth.server.auth;

import io.javalin.http.Context;

/** Turns a request's credentials (Hawk header, bewit, or none) into a {@link Caller}. */
public interface Authenticator {

    /** @throws dev.berth.core.BerthException AUTHENTICATION_FAILED for bad credentials; unsigned requests are anonymous */
    Caller authenticate(Context ctx);

    /** Temporary credentials for a claimed run: scopes, valid until {@code expiry}. JSON shape of Taskcluster's. */
    com.fasterxml.jackson.databind.node.ObjectNode temporaryCredentials(java.util.List<String> scopes, java.time.Instant expiry);
}
