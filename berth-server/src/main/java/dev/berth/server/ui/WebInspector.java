package dev.berth.server.ui;

import dev.berth.core.BerthException;
import dev.berth.server.http.RouteTable;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves the web inspector built by berth-ui (resources under {@code dev/berth/ui/}): its index.html at
 * {@code /ui/} (and at {@code /} for browsers, see JobApi) and its hashed assets at {@code /ui/assets/}.
 * Asset names carry a content hash, so they are cached for a year; index.html is never cached, so a new
 * release is picked up on the next load.
 */
public final class WebInspector {

    private static final String ROOT = "dev/berth/ui/";
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9_.-]{1,200}");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png", "woff2", "font/woff2", "map", "application/json");

    private final String indexHtml;

    private WebInspector(String indexHtml) { this.indexHtml = indexHtml; }

    /** The inspector on the classpath, or one that is absent (a server built without berth-ui). */
    public static WebInspector fromClasspath() {
        try (InputStream in = WebInspector.class.getClassLoader().getResourceAsStream(ROOT + "index.html")) {
            return new WebInspector(in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web inspector's index.html", e);
        }
    }

    public boolean present() { return indexHtml != null; }

    /** The inspector's routes: public, no credentials looked at (the app signs its own API calls). */
    public void addRoutes(RouteTable t) {
        t.get("/ui", "inspector", null, this::index);
        t.get("/ui/", "inspector", null, this::index);
        t.get("/ui/assets/{asset}", "inspectorAsset", null, this::asset);
    }

    /** Answers with the app's page; the caller has decided the client is a browser. */
    public void index(Context ctx) {
        if (indexHtml == null) throw BerthException.notFound("the web inspector is not part of this build");
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-cache");
        ctx.html(indexHtml);
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("asset");
        if (!ASSET.matcher(name).matches() || name.startsWith(".")) throw BerthException.notFound("no asset " + name);
        InputStream in = WebInspector.class.getClassLoader().getResourceAsStream(ROOT + "assets/" + name);
        if (in == null) throw BerthException.notFound("no asset " + name);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        securityHeaders(ctx);
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.contentType(TYPES.getOrDefault(ext, "application/octet-stream"));
        try (in) {
            ctx.result(in.readAllBytes());
        }
    }

    /** The app loads only its own scripts and styles and talks only to this server. */
    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
    }
}
