package dev.berth.client;

import dev.berth.core.BerthException;

/**
 * The service answered with an error. Carries the HTTP status and the Taskcluster error {@code code} and
 * {@code message} from the JSON body; {@link #kind()} maps the code onto Berth's kinds so callers can treat
 * a remote 409 like a local conflict.
 */
public class BerthApiException extends BerthException {

    private final int statusCode;
    private final String code;
    private final String method;
    private final String url;

    public BerthApiException(int statusCode, String code, String message, String method, String url) {
        super(kindFor(statusCode, code), method + " " + url + " -> " + statusCode + " " + code + ": " + message);
        this.statusCode = statusCode;
        this.code = code;
        this.method = method;
        this.url = url;
    }

    public int statusCode() { return statusCode; }

    /** The Taskcluster error code, e.g. {@code ResourceNotFound}, {@code InsufficientScopes}. */
    public String code() { return code; }

    public String method() { return method; }

    public String url() { return url; }

    private static Kind kindFor(int status, String code) {
        for (Kind kind : Kind.values()) {
            if (kind.code().equals(code)) {
                return kind;
            }
        }
        return switch (status) {
            case 400 -> Kind.INPUT_ERROR;
            case 401 -> Kind.AUTHENTICATION_FAILED;
            case 403 -> Kind.INSUFFICIENT_SCOPES;
            case 404 -> Kind.NOT_FOUND;
            case 409 -> Kind.CONFLICT;
            case 424 -> Kind.FAILED_DEPENDENCY;
            case 503 -> Kind.UNAVAILABLE;
            default -> Kind.INTERNAL;
        };
    }
}
