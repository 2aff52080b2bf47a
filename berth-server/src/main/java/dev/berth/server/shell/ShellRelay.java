package dev.berth.server.shell;

import static dev.berth.core.auth.ScopeTemplate.anyOf;
import static dev.berth.core.auth.ScopeTemplate.scope;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.auth.ScopeTemplate;
import dev.berth.core.json.Json;
import dev.berth.server.auth.Authenticator;
import dev.berth.server.auth.Caller;
import dev.berth.server.http.PathParams;
import dev.berth.server.http.RouteTable;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays interactive shell sessions (docker-worker's {@code interactive} feature) between people and the
 * workers running their tasks, so a worker needs no inbound port: the worker of a run keeps a control socket
 * open to the server; a person's socket makes the server ask the worker (on the control socket) to open one
 * data socket for that session, and the two are then joined frame for frame. Frames are
 * docker-exec-websocket-server's (a code byte, then the payload) and pass through untouched.
 *
 * <p>Who may do what: a worker serves the shell of a run only with the run's credentials (scope
 * {@code queue:create-artifact:<taskId>/<runId>}, which claimWork gives the run alone); a person opens a session with
 * {@code queue:get-artifact:private/docker-worker/shell.html} (docker-worker's: whoever may read the shell
 * artifact) or Berth's {@code berth:shell:<taskId>} for one task. Browsers cannot sign a WebSocket's headers:
 * a bewit in the query does.
 *
 * <p>One server holds the pairing in memory: behind a load balancer, the person's socket and the worker's
 * sockets must reach the same server (route {@code /api/berth/v1/shell/.../<taskId>/<runId>} by task id), or
 * the servers must forward sessions to the one holding the worker's control socket.
 */
public final class ShellRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShellRelay.class);

    public static final String PREFIX = "/api/berth/v1/shell";
    /** docker-exec-websocket-server's limit, per run. */
    public static final int MAX_SESSIONS = 10;
    static final ScopeTemplate USER_SCOPES = anyOf(scope("queue:get-artifact:private/docker-worker/shell.html"),
            scope("berth:shell:<taskId>"));
    static final ScopeTemplate WORKER_SCOPES = scope("queue:create-artifact:<taskId>/<runId>");
    /** How long a person's socket waits for the worker to open the session's data socket. */
    private static final long PAIRING_SECONDS = 20;

    private static final byte ERROR = (byte) 202;
    private static final String CALLER = "berth.shell.caller";

    private final String rootUrl;
    private final Map<String, WsContext> controls = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** A person's socket (its WebSocket session id) → their shell session. */
    private final Map<String, Session> byUserSocket = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "berth-shell-relay");
        t.setDaemon(true);
        return t;
    });

    public ShellRelay(String rootUrl) {
        this.rootUrl = rootUrl;
    }

    /** One person's session: their socket, and the worker's data socket once it came. */
    private static final class Session {
        final String id;
        final String run;
        final WsContext user;
        final String clientId;
        final List<ByteBuffer> early = new ArrayList<>();
        WsContext worker;
        boolean closed;

        Session(String id, String run, WsContext user, String clientId) {
            this.id = id;
            this.run = run;
            this.user = user;
            this.clientId = clientId;
        }
    }

    /** The HTTP side: where to connect, for the run's {@code private/docker-worker/shell.html} reference artifact. */
    public RouteTable routes() {
        RouteTable table = new RouteTable(PREFIX);
        table.get("/{taskId}/{runId}", "shellInfo", USER_SCOPES, this::info);
        return table;
    }

    private void info(Context ctx) {
        String taskId = ctx.pathParam("taskId");
        String runId = ctx.pathParam("runId");
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("taskId", taskId);
        out.put("runId", Integer.parseInt(runId));
        out.put("socketUrl", socketUrl(rootUrl, taskId, Integer.parseInt(runId)));
        out.put("protocol", "docker-exec-websocket-server");
        out.put("workerConnected", controls.containsKey(runKey(taskId, runId)));
        out.put("sessions", (int) sessions.values().stream().filter(s -> s.run.equals(runKey(taskId, runId))).count());
        out.put("maxSessions", MAX_SESSIONS);
        ctx.json(out);
    }

    /** The WebSocket a person connects to for a run's shell (query: {@code tty}, {@code command}, repeatable). */
    public static String socketUrl(String rootUrl, String taskId, int runId) {
        URI root = URI.create(rootUrl.endsWith("/") ? rootUrl.substring(0, rootUrl.length() - 1) : rootUrl);
        String scheme = "https".equals(root.getScheme()) ? "wss" : "ws";
        return scheme + root.toString().substring(root.getScheme().length()) + PREFIX + "/" + taskId + "/" + runId;
    }

    /** The WebSocket side: a person's sessions, the worker's control socket and its data sockets. */
    public void installSockets(JavalinConfig config, Authenticator authenticator) {
        String user = PREFIX + "/{taskId}/{runId}";
        String control = PREFIX + "/worker/{taskId}/{runId}";
        String data = PREFIX + "/worker/{taskId}/{runId}/session/{sessionId}";
        config.routes.wsBeforeUpgrade(user, ctx -> {
            Map<String, String> path = PathParams.checked(ctx);
            Caller caller = authenticator.authenticate(ctx);
            caller.require(USER_SCOPES.render(path));
            if (!controls.containsKey(runKey(path.get("taskId"), path.get("runId")))) {
                throw BerthException.notFound("no worker serves a shell for run " + path.get("runId") + " of task "
                        + path.get("taskId") + " (the run is not running, or its task does not enable features.interactive)");
            }
            ctx.attribute(CALLER, caller.clientId());
        });
        for (String workerPath : List.of(control, data)) {
            config.routes.wsBeforeUpgrade(workerPath, ctx -> {
                Map<String, String> path = PathParams.checked(ctx);
                authenticator.authenticate(ctx).require(WORKER_SCOPES.render(path));
            });
        }
        config.routes.ws(user, ws -> userSocket(ws));
        config.routes.ws(control, ws -> controlSocket(ws));
        config.routes.ws(data, ws -> dataSocket(ws));
    }

    private static String runKey(String taskId, String runId) {
        return taskId + "/" + Integer.parseInt(runId);
    }

    private static String runKey(WsContext ctx) {
        return runKey(ctx.pathParam("taskId"), ctx.pathParam("runId"));
    }

    private void controlSocket(WsConfig ws) {
        ws.onConnect(ctx -> {
            ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
            WsContext before = controls.put(runKey(ctx), ctx);
            if (before != null) before.closeSession(1000, "replaced by a newer connection of the run's worker");
            LOG.info("shell: the worker of run {} is connected", runKey(ctx));
        });
        ws.onClose(ctx -> {
            WsContext current = controls.get(runKey(ctx));
            if (same(current, ctx) && controls.remove(runKey(ctx), current)) LOG.info("shell: the worker of run {} went away", runKey(ctx));
        });
    }

    private void userSocket(WsConfig ws) {
        ws.onConnect(ctx -> {
            ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
            String run = runKey(ctx);
            String clientId = ctx.attribute(CALLER);
            WsContext control = controls.get(run);
            if (control == null) {
                refuse(ctx, "no worker serves a shell for this run");
                return;
            }
            Session session = new Session(UUID.randomUUID().toString(), run, ctx, clientId);
            synchronized (sessions) {
                long open = sessions.values().stream().filter(s -> s.run.equals(run)).count();
                if (open >= MAX_SESSIONS) {
                    refuse(ctx, "Too many sessions active!");
                    return;
                }
                sessions.put(session.id, session);
            }
            byUserSocket.put(ctx.sessionId(), session);
            ObjectNode open = Json.MAPPER.createObjectNode();
            open.put("type", "open");
            open.put("session", session.id);
            open.put("clientId", clientId);
            // as docker-exec-websocket-server: a terminal only when asked for
            open.put("tty", "true".equalsIgnoreCase(ctx.queryParam("tty")));
            var command = open.putArray("command");
            ctx.queryParams("command").forEach(command::add);
            LOG.info("shell: {} opens session {} on run {}", clientId, session.id, run);
            control.send(Json.write(open));
            timers.schedule(() -> {
                synchronized (session) {
                    if (session.worker != null || session.closed) return;
                }
                refuse(ctx, "the worker did not open the session within " + PAIRING_SECONDS + "s");
            }, PAIRING_SECONDS, TimeUnit.SECONDS);
        });
        ws.onBinaryMessage(ctx -> {
            Session session = sessionOf(ctx);
            if (session == null) return;
            ByteBuffer frame = copy(ctx.data());
            WsContext worker;
            synchronized (session) {
                worker = session.worker;
                if (worker == null) {
                    session.early.add(frame);
                    return;
                }
            }
            worker.send(frame);
        });
        ws.onClose(ctx -> {
            Session session = sessionOf(ctx);
            if (session == null) return;
            WsContext worker;
            synchronized (session) {
                session.closed = true;
                worker = session.worker;
            }
            sessions.remove(session.id);
            byUserSocket.remove(ctx.sessionId());
            LOG.info("shell: session {} on run {} ended", session.id, session.run);
            if (worker != null) worker.closeSession(1000, "the user left");
        });
    }

    private void dataSocket(WsConfig ws) {
        ws.onConnect(ctx -> {
            ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
            Session session = sessions.get(ctx.pathParam("sessionId"));
            if (session == null || !session.run.equals(runKey(ctx))) {
                ctx.closeSession(1008, "no such session");
                return;
            }
            synchronized (session) {
                if (session.closed || session.worker != null) {
                    ctx.closeSession(1008, "the session is over");
                    return;
                }
                session.worker = ctx;
                for (ByteBuffer frame : session.early) ctx.send(frame);
                session.early.clear();
            }
        });
        ws.onBinaryMessage(ctx -> {
            Session session = sessions.get(ctx.pathParam("sessionId"));
            if (session != null && same(session.worker, ctx)) session.user.send(copy(ctx.data()));
        });
        ws.onClose(ctx -> {
            Session session = sessions.get(ctx.pathParam("sessionId"));
            if (session != null && same(session.worker, ctx)) {
                sessions.remove(session.id);
                session.user.closeSession(1000, "the session ended");
            }
        });
    }

    /** Each handler gets its own context object for a socket: the socket's id tells them apart. */
    private static boolean same(WsContext a, WsContext b) {
        return a != null && b != null && a.sessionId().equals(b.sessionId());
    }

    private Session sessionOf(WsContext ctx) {
        return byUserSocket.get(ctx.sessionId());
    }

    /** Stops the pairing timer (the sockets go with the server). */
    @Override
    public void close() {
        timers.shutdownNow();
    }

    /** Says why in docker-exec-websocket-server's error message, then closes. */
    private static void refuse(WsContext ctx, String why) {
        byte[] text = why.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(text.length + 1).put(ERROR).put(text).flip();
        try {
            ctx.send(frame);
        } finally {
            ctx.closeSession(1000, why.length() > 100 ? why.substring(0, 100) : why);
        }
    }

    private static ByteBuffer copy(ByteBuffer in) {
        ByteBuffer out = ByteBuffer.allocate(in.remaining());
        out.put(in.duplicate()).flip();
        return out;
    }
}
