package dev.berth.worker.features.proxy;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Berth API path a request to {@code http://taskcluster} means: {@code /api/<service>/<version>/...} as is,
 * and docker-worker's older {@code /<service>/<version>/...} under {@code /api/}.
 */
final class TaskclusterRoutes {

    private static final Pattern API = Pattern.compile("/api/[A-Za-z0-9_-]+/v[0-9]+(/.*)?");
    private static final Pattern LEGACY = Pattern.compile("/([A-Za-z0-9_-]+)/(v[0-9]+)(/.*)?");

    private TaskclusterRoutes() {}

    /** The API path for the request's raw path (encoding kept as sent), or empty when it names no API. */
    static Optional<String> apiPath(String rawPath) {
        if (rawPath == null) return Optional.empty();
        if (API.matcher(rawPath).matches()) return Optional.of(rawPath);
        Matcher legacy = LEGACY.matcher(rawPath);
        if (legacy.matches() && !legacy.group(1).equals("api")) {
            return Optional.of("/api/" + legacy.group(1) + "/" + legacy.group(2) + (legacy.group(3) == null ? "" : legacy.group(3)));
        }
        return Optional.empty();
    }
}
