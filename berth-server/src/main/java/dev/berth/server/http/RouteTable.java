package dev.berth.server.http;

import dev.berth.core.auth.ScopeTemplate;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.auth.Caller;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One service's routes, each declared once: method, path, Taskcluster name, the scope expression a caller
 * needs and the handler. Installing the table checks path parameters and scopes before the handler runs, so
 * handlers hold no authorization code and a reader sees who may call what here.
 */
public final class RouteTable {

    /** The request attribute holding the matched {@link Route} (metrics label requests with its name). */
    public static final String ROUTE_ATTRIBUTE = "berth.route";

    /**
     * Parameters a route's scope expression needs beyond its path parameters: fields of the body or of the
     * stored task. Runs after authentication and path checks, before the handler.
     */
    @FunctionalInterface
    public interface ParamResolver {
        Map<String, ?> resolve(Context ctx) throws Exception;
    }

    /**
     * A route. {@code scopes} null means no credentials are looked at (ping, version, heartbeat); an
     * expression needing no scopes still authenticates, so a bad signature is refused.
     */
    public record Route(HandlerType method, String path, String name, ScopeTemplate scopes, ParamResolver resolver,
                        Handler handler) {

        /** The path in Taskcluster's notation ({@code <taskId>}), relative to the service prefix. */
        public String referencePath(String prefix) {
            return path.substring(prefix.length()).replaceAll("\\{([^}]+)}", "<$1>");
        }
    }

    private final String prefix;
    private final List<Route> routes = new ArrayList<>();

    public RouteTable(String prefix) { this.prefix = prefix; }

    public String prefix() { return prefix; }

    public List<Route> routes() { return List.copyOf(routes); }

    public RouteTable get(String path, String name, ScopeTemplate scopes, Handler handler) {
        return add(HandlerType.GET, path, name, scopes, null, handler);
    }

    public RouteTable get(String path, String name, ScopeTemplate scopes, ParamResolver resolver, Handler handler) {
        return add(HandlerType.GET, path, name, scopes, resolver, handler);
    }

    public RouteTable put(String path, String name, ScopeTemplate scopes, Handler handler) {
        return add(HandlerType.PUT, path, name, scopes, null, handler);
    }

    public RouteTable put(String path, String name, ScopeTemplate scopes, ParamResolver resolver, Handler handler) {
        return add(HandlerType.PUT, path, name, scopes, resolver, handler);
    }

    public RouteTable post(String path, String name, ScopeTemplate scopes, Handler handler) {
        return add(HandlerType.POST, path, name, scopes, null, handler);
    }

    public RouteTable post(String path, String name, ScopeTemplate scopes, ParamResolver resolver, Handler handler) {
        return add(HandlerType.POST, path, name, scopes, resolver, handler);
    }

    public RouteTable delete(String path, String name, ScopeTemplate scopes, Handler handler) {
        return add(HandlerType.DELETE, path, name, scopes, null, handler);
    }

    public RouteTable delete(String path, String name, ScopeTemplate scopes, ParamResolver resolver, Handler handler) {
        return add(HandlerType.DELETE, path, name, scopes, resolver, handler);
    }

    private RouteTable add(HandlerType method, String path, String name, ScopeTemplate scopes, ParamResolver resolver,
                           Handler handler) {
        routes.add(new Route(method, prefix + path, name, scopes, resolver, handler));
        return this;
    }

    /** Registers every route with Javalin, each wrapped in the path, authentication and scope checks. */
    public void install(JavalinConfig config, Authenticator authenticator) {
        for (Route route : routes) {
            config.routes.addHttpHandler(route.method(), route.path(), ctx -> {
                ctx.attribute(ROUTE_ATTRIBUTE, route);
                Map<String, String> path = PathParams.checked(ctx);
                if (route.scopes() != null) {
                    Caller caller = authenticator.authenticate(ctx);
                    Map<String, Object> params = new HashMap<>(path);
                    if (route.resolver() != null) params.putAll(route.resolver().resolve(ctx));
                    caller.require(route.scopes().render(params));
                }
                route.handler().handle(ctx);
            });
        }
    }

    /** The matched route's name, or null when no route matched (a 404 for an unknown path). */
    public static String routeName(Context ctx) {
        Route r = ctx.attribute(ROUTE_ATTRIBUTE);
        return r == null ? null : r.name();
    }
}
