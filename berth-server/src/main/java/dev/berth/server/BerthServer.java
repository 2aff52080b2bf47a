package dev.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.auth.Slugid;
import dev.berth.core.auth.TokenSealer;
import dev.berth.core.index.IndexService;
import dev.berth.core.index.RouteIndexer;
import dev.berth.core.json.Json;
import dev.berth.core.json.JsonSchemas;
import dev.berth.core.object.ObjectArtifacts;
import dev.berth.core.object.ObjectService;
import dev.berth.core.queue.ArtifactService;
import dev.berth.core.queue.QueueService;
import dev.berth.server.auth.AuthApi;
import dev.berth.server.auth.AuthService;
import dev.berth.server.auth.HawkAuthenticator;
import dev.berth.server.http.ApiErrors;
import dev.berth.server.http.Bodies;
import dev.berth.server.http.JsonErrorHandler;
import dev.berth.server.http.RouteTable;
import dev.berth.server.index.IndexApi;
import dev.berth.server.jobs.JobApi;
import dev.berth.server.logging.Redactor;
import dev.berth.server.logging.ServerLogFile;
import dev.berth.server.object.ObjectApi;
import dev.berth.server.object.ObjectUrls;
import dev.berth.server.queue.ObjectArtifactRoutes;
import dev.berth.server.queue.QueueApi;
import dev.berth.server.queue.UploadTokens;
import dev.berth.core.purgecache.PurgeCacheService;
import dev.berth.server.purgecache.PurgeCacheApi;
import dev.berth.server.workermanager.WorkerManagerApi;
import dev.berth.store.Storage;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Composition root of {@code berth server}: storage, services, HTTP routes and background sweeps. */
public final class BerthServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BerthServer.class);

    private final ServerConfig config;
    private final Storage storage;
    private final PurgeCacheService purgeCache;
    private final dev.berth.core.pools.WorkerPoolService workerPools;
    private final QueueService queue;
    private final IndexService index;
    private final RouteIndexer routeIndexer;
    private final ArtifactService artifacts;
    private final ObjectService objects;
    private final dev.berth.core.store.BlobStore blobs;
    private final AuthService auth;
    private final dev.berth.core.workers.WorkerService workers;
    private final Secrets secrets;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService sweeper;
    private final Javalin app;
    private final List<RouteTable> routeTables;
    private final dev.berth.server.ui.WebInspector inspector;
    private final String rootUrl;
    private final ServerLogFile logFile;
    private final dev.berth.server.shell.ShellRelay shellRelay;

    private BerthServer(ServerConfig config, Clock clock) {
        this.config = config.port() == 0 ? config.withPort(freePort()) : config;
        this.rootUrl = this.config.rootUrlFor(this.config.port());
        this.secrets = Secrets.loadOrCreate(this.config.dataDir(), this.config.rootAccessToken(), rootUrl);
        Redactor.register(secrets.rootAccessToken());
        this.logFile = this.config.logFile() == null ? null : ServerLogFile.open(this.config.logFile());
        // the embedded database's directory when it is Berth's own (under the data directory): never, say, a home directory
        Path h2Files = embeddedDatabaseDirectory(this.config.databaseUrl());
        if (h2Files != null && !h2Files.startsWith(this.config.dataDir())) h2Files = null;
        try {
            if (h2Files != null) PrivateFiles.directory(h2Files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the database directory " + h2Files, e);
        }
        this.storage = Storage.open(this.config.databaseUrl(), null, null);
        try {
            // H2 makes its files with the process's umask: the directory is owner-only, and so are they
            if (h2Files != null) PrivateFiles.restrictTree(h2Files);
            PrivateFiles.directory(this.config.artifactDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use artifact directory " + this.config.artifactDir(), e);
        }
        this.blobs = this.config.artifactStore().open(this.config.artifactDir());
        this.artifacts = new ArtifactService(storage.tasks(), blobs, clock);
        this.objects = new ObjectService(storage.objects(), blobs, clock);
        this.queue = new QueueService(storage.tasks(), clock, this.config.claimTimeout());
        this.workers = new dev.berth.core.workers.WorkerService(storage.workers(), clock);
        this.auth = new AuthService(storage.auth(), storage.audit(), new TokenSealer(secrets.serverKey()), secrets.rootAccessToken(), clock);
        auth.ensureDefaults();

        JsonSchemas schemas = new JsonSchemas();
        Bodies bodies = new Bodies(schemas);
        HawkAuthenticator authenticator = new HawkAuthenticator(auth, clock, rootUrl);
        UploadTokens tokens = new UploadTokens(secrets.serverKey(), clock);
        ObjectUrls objectUrls = new ObjectUrls(objects, tokens, rootUrl);
        ObjectArtifactRoutes objectArtifacts = new ObjectArtifactRoutes(
                new ObjectArtifacts(storage.tasks(), artifacts, objects), objects, objectUrls, authenticator, clock);
        QueueApi queueApi = new QueueApi(queue, artifacts, workers, authenticator, bodies, tokens, metrics, rootUrl, objectArtifacts);
        ObjectApi objectApi = new ObjectApi(objects, objectUrls, bodies, clock);
        AuthApi authApi = new AuthApi(auth, authenticator, bodies);
        this.inspector = dev.berth.server.ui.WebInspector.fromClasspath();
        JobApi jobApi = new JobApi(queue, authenticator, bodies, clock, Slugid::nice, inspector);
        this.index = new IndexService(storage.index(), clock);
        this.routeIndexer = new RouteIndexer(storage.tasks(), index);
        queue.onCompleted(routeIndexer::indexNow);
        IndexApi indexApi = new IndexApi(index, queueApi.artifactRedirects(), bodies);
        this.purgeCache = new PurgeCacheService(storage.purgeRequests(), clock);
        PurgeCacheApi purgeCacheApi = new PurgeCacheApi(purgeCache, bodies);
        this.workerPools = new dev.berth.core.pools.WorkerPoolService(storage.workerPools(), clock);
        WorkerManagerApi workerManagerApi = new WorkerManagerApi(workerPools, workers, bodies);

        dev.berth.server.shell.ShellRelay shell = new dev.berth.server.shell.ShellRelay(rootUrl);
        this.shellRelay = shell;
        this.routeTables = routeTables(queueApi, authApi, jobApi, indexApi, objectApi, purgeCacheApi, workerManagerApi, shell);
        this.app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.jetty.port = this.config.port();
            c.jetty.host = this.config.bindHost();
            c.http.maxRequestSize = 16L * 1024 * 1024;
            ApiErrors.install(c);
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            c.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
            c.routes.before(ctx -> {
                ctx.attribute("berth.start", System.nanoTime());
                ctx.header("Access-Control-Allow-Origin", "*");
            });
            c.routes.after(ctx -> {
                Long start = ctx.attribute("berth.start");
                if (start != null) {
                    // labelled by the route table's name, so an operator sees createTask, not a path with ids
                    String route = RouteTable.routeName(ctx);
                    requestTimer(ctx.method().name(), route == null ? "unmatched" : route, ctx.statusCode())
                            .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
            });
            for (RouteTable table : routeTables) table.install(c, authenticator);
            shell.installSockets(c, authenticator);
        });
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-sweeper");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The request timers, by method, route name and status: registering looks the meter up by a freshly built,
     * sorted id, which cost more than the recording; the set is small (routes × statuses seen).
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> requestTimers = new java.util.concurrent.ConcurrentHashMap<>();

    private Timer requestTimer(String method, String route, int status) {
        return requestTimers.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Timer.builder("berth_http_requests")
                .tag("method", method).tag("route", route).tag("status", String.valueOf(status)).register(metrics));
    }

    /** Every route the server answers, in tables: the queue, auth, object, index, purge-cache and job APIs and the operational endpoints. */
    private List<RouteTable> routeTables(QueueApi queueApi, AuthApi authApi, JobApi jobApi, IndexApi indexApi,
                                         ObjectApi objectApi, PurgeCacheApi purgeCacheApi, WorkerManagerApi workerManagerApi,
                                         dev.berth.server.shell.ShellRelay shell) {
        RouteTable operational = new RouteTable("");
        operational.get("/healthz", "healthz", null, ctx -> {
            queue.pendingCount("berth/healthz");
            ctx.json(java.util.Map.of("ok", true));
        });
        operational.get("/metrics", "metrics", null, ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
        operational.get("/schemas/<name>", "schema", null, ctx -> {
            JsonNode doc = JsonSchemas.document(ctx.pathParam("name"));
            if (doc == null) throw dev.berth.core.BerthException.notFound("no schema " + ctx.pathParam("name"));
            ctx.contentType("application/schema+json").result(Json.write(doc));
        });
        inspector.addRoutes(operational);
        return List.of(queueApi.routes(), authApi.routes(), objectApi.routes(), jobApi.routes(), indexApi.routes(),
                purgeCacheApi.routes(), workerManagerApi.routes(), shell.routes(), operational);
    }

    /** Builds and starts a server; stop it with {@link #close()}. */
    public static BerthServer start(ServerConfig config, Clock clock) {
        BerthServer s = new BerthServer(config, clock);
        s.app.start();
        s.sweeper.scheduleWithFixedDelay(s::sweep, 1, 1, TimeUnit.SECONDS);
        log.info("Berth server listening on {} (database {}, artifacts {})", s.rootUrl, redact(s.config.databaseUrl()),
                s.config.artifactStore());
        return s;
    }

    /** One round of the background jobs; each is safe to run on every replica at once. */
    public void sweep() {
        try {
            int expired = queue.expireClaims();
            QueueApi.countResolved(metrics, "exception", "claim-expired", expired);
            int late = queue.enforceDeadlines();
            QueueApi.countResolved(metrics, "exception", "deadline-exceeded", late);
            for (String taskId : queue.expireTasksPreparing(artifacts::deleteAllBytes)) {
                log.debug("expired task {}", taskId);
            }
            int artifactsExpired = artifacts.expire();
            int objectsExpired = objects.expire();
            int indexed = routeIndexer.drain();
            if (indexed > 0) log.info("sweep: indexed {} completed task(s) left in the index outbox", indexed);
            index.expire();
            purgeCache.expire();
            workerPools.expire();
            workers.flushRecentTasks();
            int workerRowsExpired = workers.expire();
            if (workerRowsExpired > 0) log.debug("sweep: {} task queues, provisioners and workers expired", workerRowsExpired);
            if (expired + late + artifactsExpired + objectsExpired > 0) {
                log.info("sweep: {} claims expired, {} deadlines exceeded, {} artifacts expired, {} objects expired", expired, late,
                        artifactsExpired, objectsExpired);
            }
        } catch (RuntimeException e) {
            log.warn("background sweep failed; will try again", e);
        }
    }

    public String rootUrl() { return rootUrl; }

    /** The route tables the server answers from: queue, auth, object, job API, operational endpoints. */
    public List<RouteTable> routeTables() { return routeTables; }

    public int port() { return app.port(); }

    public String rootClientId() { return AuthService.ROOT_CLIENT_ID; }

    public String rootAccessToken() { return secrets.rootAccessToken(); }

    public java.nio.file.Path rootCredentialsFile() { return secrets.rootCredentialsFile(); }

    public QueueService queue() { return queue; }

    /** Worker pools (worker-manager), for the provisioner run inside this process. */
    public dev.berth.core.pools.WorkerPoolService workerPools() { return workerPools; }

    /** The registry {@code /metrics} serves; {@code berth dev}'s worker counts into it too. */
    public io.micrometer.core.instrument.MeterRegistry meterRegistry() { return metrics; }

    @Override
    public void close() {
        sweeper.shutdownNow();
        app.stop();
        shellRelay.close();
        storage.close();
        if (blobs instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("closing the artifact store failed", e);
            }
        }
        if (logFile != null) logFile.close();
    }

    /** The directory of an embedded H2 file database ({@code jdbc:h2:file:<path>[;...]}), else null. */
    static Path embeddedDatabaseDirectory(String databaseUrl) {
        String prefix = "jdbc:h2:file:";
        if (databaseUrl == null || !databaseUrl.startsWith(prefix)) return null;
        String path = databaseUrl.substring(prefix.length());
        int semi = path.indexOf(';');
        if (semi >= 0) path = path.substring(0, semi);
        if (path.startsWith("~")) path = System.getProperty("user.home") + path.substring(1);
        return Path.of(path).toAbsolutePath().normalize().getParent();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&;]*", "password=***");
    }

}
