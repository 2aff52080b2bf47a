package dev.berth.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The four routes every Taskcluster service answers without credentials: ping (alive and uptime),
 * {@code __lbheartbeat__} (the process answers), {@code __heartbeat__} (its dependencies answer) and
 * {@code __version__}.
 */
public final class ServiceMetaRoutes {

    public static final String VERSION = "0.1.0";
    private static final Instant STARTED = Instant.now();

    private ServiceMetaRoutes() {}

    /** Adds the four routes to {@code table}; {@code dependenciesCheck} throws when a dependency (the database) fails. */
    public static void addTo(RouteTable table, Runnable dependenciesCheck) {
        table.get("/ping", "ping", null, ctx -> {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("alive", true);
            out.put("uptime", Duration.between(STARTED, Instant.now()).toSeconds());
            ctx.json(out);
        });
        table.get("/__lbheartbeat__", "lbheartbeat", null, ctx -> ctx.json(Json.MAPPER.createObjectNode()));
        table.get("/__heartbeat__", "heartbeat", null, ctx -> {
            dependenciesCheck.run();
            ctx.json(Json.MAPPER.createObjectNode());
        });
        table.get("/__version__", "version", null, ctx -> ctx.json(Map.of("source", "https://berth.dev", "version", VERSION)));
    }
}
