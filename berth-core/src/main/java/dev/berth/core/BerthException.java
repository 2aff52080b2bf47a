package dev.berth.core;

/**
 * The one unchecked exception root of Berth. {@link Kind} says what went wrong in terms a
 * transport can map (HTTP status, exit code) without the domain knowing about HTTP.
 */
public class BerthException extends RuntimeException {

    public enum Kind {
        /** Bad input: a field is missing, malformed or out of range. */
        INPUT_ERROR("InputError"),
        /** Something the request names does not exist. */
        NOT_FOUND("ResourceNotFound"),
        /** The request conflicts with the current state (e.g. run is not running). */
        CONFLICT("RequestConflict"),
        /** Credentials are missing, wrong or expired. */
        AUTHENTICATION_FAILED("AuthenticationFailed"),
        /** Credentials are fine but lack a needed scope. */
        INSUFFICIENT_SCOPES("InsufficientScopes"),
        /** An artifact of storage type error, or an upstream that answered an error. */
        FAILED_DEPENDENCY("FailedDependency"),
        /** Too much work at once; try later. */
        UNAVAILABLE("ServiceUnavailable"),
        INTERNAL("InternalServerError");

        private final String code;

        Kind(String code) { this.code = code; }

        /** The Taskcluster error code, e.g. {@code InputError}. */
        public String code() { return code; }
    }

    private final Kind kind;

    public BerthException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public BerthException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }

    public static BerthException input(String message) { return new BerthException(Kind.INPUT_ERROR, message); }

    public static BerthException notFound(String message) { return new BerthException(Kind.NOT_FOUND, message); }

    public static BerthException conflict(String message) { return new BerthException(Kind.CONFLICT, message); }

    public static BerthException forbidden(String message) { return new BerthException(Kind.INSUFFICIENT_SCOPES, message); }

    public static BerthException unauthenticated(String message) { return new BerthException(Kind.AUTHENTICATION_FAILED, message); }
}
