package dev.berth.worker.features.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One service a task may reach through the worker, configured under its feature name:
 *
 * <pre>
 * features:
 *   relengAPIProxy:
 *     alias: relengapi                      # the task calls http://relengapi/... (default: the name, lower case)
 *     upstream: https://api.example.com     # where the worker forwards (path and query appended)
 *     headers: {Authorization: "Bearer …"}  # added to every request (secrets: never logged, never in the task)
 *     scope: docker-worker:feature:relengAPIProxy   # the task must hold it (optional)
 *     permissionScopePrefix: "docker-worker:relengapi-proxy:"  # the task's literal scopes under it are its permissions
 *     permissions: [tooltool.download.public, tooltool.download.internal]  # the ones that count (default: any)
 *     permissionsHeader: X-Berth-Permissions   # how the upstream learns them (comma-separated)
 * </pre>
 *
 * @param headers header name → value, secret
 * @param scope null when any task may enable it
 * @param permissionScopePrefix null when the service takes no permissions
 * @param permissions the permissions that count; empty: any
 */
public record ServiceProxyConfig(String name, String alias, URI upstream, Map<String, String> headers, String scope,
                                 String permissionScopePrefix, List<String> permissions, String permissionsHeader) {

    public static final String DEFAULT_PERMISSIONS_HEADER = "X-Berth-Permissions";
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    public ServiceProxyConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(upstream, "upstream");
        headers = Map.copyOf(headers);
        permissions = List.copyOf(permissions);
        if (permissionsHeader == null) permissionsHeader = DEFAULT_PERMISSIONS_HEADER;
    }

    /** Whether {@code options} (one key of the features section) configure a service proxy. */
    static boolean isServiceProxy(ObjectNode options) {
        return options.has("upstream") || options.has("alias") || options.has("headers");
    }

    /** Reads the options of feature {@code name}; a problem is a BerthException naming the setting. */
    static ServiceProxyConfig read(String name, ObjectNode options) {
        String where = "features." + name;
        String upstreamText = text(options, "upstream", where);
        if (upstreamText == null) throw BerthException.input(where + ".upstream must be set (the URL the worker forwards the task's requests to)");
        URI upstream;
        try {
            upstream = URI.create(upstreamText.replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw BerthException.input(where + ".upstream is not a URL: " + e.getMessage());
        }
        if (upstream.getScheme() == null || !upstream.getScheme().matches("https?") || upstream.getHost() == null
                || upstream.getRawQuery() != null) {
            throw BerthException.input(where + ".upstream must be an http(s) URL without a query; got " + upstreamText);
        }
        String alias = text(options, "alias", where);
        if (alias == null) alias = name.toLowerCase(java.util.Locale.ROOT);
        if (!ALIAS.matcher(alias).matches()) {
            throw BerthException.input(where + ".alias must be a host name of a-z, 0-9 and '-'; got '" + alias + "'");
        }
        if (alias.equals(TaskclusterProxyFeature.HOST)) {
            throw BerthException.input(where + ".alias cannot be '" + TaskclusterProxyFeature.HOST + "' (taskclusterProxy's name)");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = options.path("headers");
        if (!h.isMissingNode() && !h.isNull()) {
            if (!h.isObject()) throw BerthException.input(where + ".headers must be a map of header name to value");
            h.fields().forEachRemaining(e -> {
                if (!HEADER_NAME.matcher(e.getKey()).matches()) {
                    throw BerthException.input(where + ".headers: '" + e.getKey() + "' is not a header name");
                }
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    // never echo the value: it is a secret
                    throw BerthException.input(where + ".headers." + e.getKey() + " must be a single value");
                }
                headers.put(e.getKey(), e.getValue().asText());
            });
        }
        String prefix = text(options, "permissionScopePrefix", where);
        List<String> permissions = new ArrayList<>();
        JsonNode p = options.path("permissions");
        if (!p.isMissingNode() && !p.isNull()) {
            if (!p.isArray()) throw BerthException.input(where + ".permissions must be a list");
            p.forEach(v -> permissions.add(v.asText()));
            if (prefix == null) throw BerthException.input(where + ".permissions needs permissionScopePrefix");
        }
        String permissionsHeader = text(options, "permissionsHeader", where);
        if (permissionsHeader != null && !HEADER_NAME.matcher(permissionsHeader).matches()) {
            throw BerthException.input(where + ".permissionsHeader is not a header name");
        }
        return new ServiceProxyConfig(name, alias, upstream, headers, text(options, "scope", where), prefix, permissions,
                permissionsHeader);
    }

    private static String text(ObjectNode options, String key, String where) {
        JsonNode v = options.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.asText().isBlank()) throw BerthException.input(where + "." + key + " must be a non-empty string");
        return v.asText();
    }

    /** Never the header values. */
    @Override
    public String toString() {
        return "ServiceProxyConfig[" + name + " as http://" + alias + " -> " + upstream + ", headers " + headers.keySet()
                + (scope == null ? "" : ", scope " + scope) + "]";
    }
}
