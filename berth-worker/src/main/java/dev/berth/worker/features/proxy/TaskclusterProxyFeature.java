package dev.berth.worker.features.proxy;

import com.sun.net.httpserver.HttpExchange;
import dev.berth.core.auth.Ext;
import dev.berth.core.auth.Hawk;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.worker.features.ContainerSetup;
import dev.berth.worker.features.FeatureFailure;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Feature {@code taskclusterProxy} (seed 002): {@code http://taskcluster/api/<service>/v1/...} inside the task
 * answers as the root URL's API called with the run's credentials restricted to the task's scopes (plus creating
 * the run's artifacts). The worker process serves it on the run network's gateway; each request is signed with the
 * run's credentials of that moment, so it keeps working across reclaims. The task never sees a credential.
 */
public final class TaskclusterProxyFeature implements TaskFeature {

    public static final String KEY = "taskclusterProxy";
    /** The name the task reaches the proxy by, as in docker-worker. */
    public static final String HOST = "taskcluster";

    private final ProxyEndpoints endpoints;
    private final Forwarder forwarder;

    TaskclusterProxyFeature(ProxyEndpoints endpoints, Forwarder forwarder) {
        this.endpoints = endpoints;
        this.forwarder = forwarder;
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public boolean needsTaskNetwork() {
        return true;
    }

    @Override
    public RunFeature open(FeatureRun run) {
        return new ProxiedRun(endpoints, run, HOST, signer(run)) {
            @Override
            void prepare(ContainerSetup setup) throws FeatureFailure {
                if (run.claim() == null || run.claim().credentials() == null) {
                    throw FeatureFailure.unavailable("taskclusterProxy signs with the run's credentials, and this worker's "
                            + "queue gave none", null);
                }
                setup.env("TASKCLUSTER_PROXY_URL", "http://" + HOST);
                run.log().accept("taskclusterProxy: http://" + HOST + " forwards to " + run.settings().rootUrl()
                        + " with the run's credentials, limited to the task's scopes");
            }
        };
    }

    private ProxyEndpoint.Route signer(FeatureRun run) {
        String root = run.settings().rootUrl().replaceAll("/+$", "");
        List<String> authorized = authorizedScopes(run);
        return exchange -> forward(exchange, root, authorized,
                () -> run.claim() == null ? null : run.claim().credentials());
    }

    /**
     * The task's scopes, creating its own run's artifacts (which the task's scopes may not say), and the anonymous
     * role's (Taskcluster grants them to every request; the run's credentials hold {@code assume:anonymous}).
     */
    static final String ANONYMOUS = "assume:anonymous";

    static List<String> authorizedScopes(FeatureRun run) {
        List<String> scopes = new ArrayList<>(run.run().task().scopes());
        String createArtifact = "queue:create-artifact:" + run.taskId() + "/" + run.runId();
        if (!scopes.contains(createArtifact)) scopes.add(createArtifact);
        if (!scopes.contains(ANONYMOUS)) scopes.add(ANONYMOUS);
        return List.copyOf(scopes);
    }

    /**
     * Forwards one request to {@code root} + its API path, signed with {@code credentials.get()} (read now: they
     * change at each reclaim) and {@code authorizedScopes}.
     */
    void forward(HttpExchange exchange, String root, List<String> authorizedScopes,
                 Supplier<TemporaryCredentials> credentials) throws IOException {
        URI requested = exchange.getRequestURI();
        if ("/bewit".equals(requested.getRawPath())) {
            bewit(exchange, root, authorizedScopes, credentials.get());
            return;
        }
        Optional<String> path = TaskclusterRoutes.apiPath(requested.getRawPath());
        if (path.isEmpty()) {
            ProxyResponses.error(exchange, 404, "ResourceNotFound", "http://" + HOST + " serves /api/<service>/<version>/... "
                    + "(or /<service>/<version>/...), not " + requested.getRawPath());
            return;
        }
        URI target;
        try {
            target = URI.create(root + path.get() + (requested.getRawQuery() == null ? "" : "?" + requested.getRawQuery()));
        } catch (IllegalArgumentException e) {
            ProxyResponses.error(exchange, 400, "InvalidRequestArguments", "not a valid request path: " + requested);
            return;
        }
        TemporaryCredentials now = credentials.get();
        if (now == null) {
            ProxyResponses.error(exchange, 503, "CredentialsUnavailable", "the run has no credentials to sign with");
            return;
        }
        String authorization = Hawk.header(exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT), target,
                now.clientId(), now.accessToken(), Ext.encode(now.certificate(), authorizedScopes), null);
        forwarder.forward(exchange, target, Map.of("Authorization", authorization));
    }

    /** How long a URL signed by {@code POST /bewit} is valid (at most: the run's credentials of that moment end with their claim). */
    static final java.time.Duration BEWIT_TTL = java.time.Duration.ofHours(1);

    /**
     * taskcluster-proxy's {@code POST /bewit}: the body is a URL of this deployment's APIs; the answer is a 303 whose
     * Location is that URL signed (bewit) with the run's credentials and the task's scopes, for a browser or a
     * client without credentials. URLs elsewhere are refused: the run's credentials sign nothing else.
     */
    private static void bewit(HttpExchange exchange, String root, List<String> authorizedScopes, TemporaryCredentials now)
            throws IOException {
        if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
            ProxyResponses.error(exchange, 405, "MethodNotAllowed", "POST the URL to sign to http://" + HOST + "/bewit");
            return;
        }
        String body = new String(exchange.getRequestBody().readNBytes(8192), java.nio.charset.StandardCharsets.UTF_8).strip();
        URI url;
        try {
            url = URI.create(body);
        } catch (IllegalArgumentException e) {
            url = null;
        }
        if (url == null || !body.startsWith(root + "/")) {
            ProxyResponses.error(exchange, 400, "InvalidRequestArguments", "POST /bewit takes a URL under " + root + "/ as its body");
            return;
        }
        if (now == null) {
            ProxyResponses.error(exchange, 503, "CredentialsUnavailable", "the run has no credentials to sign with");
            return;
        }
        URI signed = Hawk.bewitUrl(url, now.clientId(), now.accessToken(), Ext.encode(now.certificate(), authorizedScopes),
                BEWIT_TTL, java.time.Instant.now());
        exchange.getResponseHeaders().set("Location", signed.toString());
        exchange.sendResponseHeaders(303, -1);
    }
}
