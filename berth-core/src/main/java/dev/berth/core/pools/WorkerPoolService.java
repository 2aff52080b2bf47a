package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.core.json.JsonSchemas;
import dev.berth.core.store.Page;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Worker pools as Taskcluster's worker-manager keeps them, with one provider: {@code docker}, whose workers the
 * provisioner starts as containers on the pool's Docker hosts. A pool's id is the task queue its workers serve.
 * Deleting a pool is worker-manager's: its provider becomes {@code null-provider}, its workers are asked to stop,
 * and it is removed once none is left.
 */
public final class WorkerPoolService {

    public static final String DOCKER = "docker";
    public static final String NULL_PROVIDER = "null-provider";
    public static final String CONFIG_SCHEMA = "worker-manager/v1/docker-provider-config.json";
    /** Errors are kept this long: the stats look back as far. */
    public static final Duration ERRORS_KEPT = Duration.ofDays(7);
    public static final int MAX_PAGE = 1000;

    /** Taskcluster's workerPoolId: a provisionerId, a slash and a workerType (the task queue id). */
    private static final Pattern POOL_ID = Pattern.compile("[a-zA-Z0-9_-]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z0-9_-]{1,38}");
    private static final Pattern KIND = Pattern.compile("[-a-z0-9]{1,128}");

    private final WorkerPoolStore store;
    private final Clock clock;
    private final JsonSchemas schemas = new JsonSchemas();

    public WorkerPoolService(WorkerPoolStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The providers pools may name (besides {@code null-provider}, which only deletion sets). */
    public List<String> providers() { return List.of(DOCKER); }

    // ---- pools

    public WorkerPool create(String workerPoolId, PoolDefinition def) {
        checkPoolId(workerPoolId);
        if (!DOCKER.equals(def.providerId())) {
            throw BerthException.input("providerId must be 'docker' (the only provider Berth has); got '" + def.providerId() + "'"
                    + (NULL_PROVIDER.equals(def.providerId()) ? " (null-provider only marks an existing pool for deletion)" : ""));
        }
        checkDefinition(def);
        Instant now = now();
        WorkerPool pool = new WorkerPool(workerPoolId, def.providerId(), def.description(), def.config(), def.owner(),
                def.emailOnError(), now, now);
        if (!store.createPool(pool)) throw BerthException.conflict("worker pool " + workerPoolId + " already exists");
        return pool;
    }

    /** Replaces a pool's definition; {@code providerId} may be {@code null-provider}, which marks it for deletion. */
    public WorkerPool update(String workerPoolId, PoolDefinition def) {
        checkPoolId(workerPoolId);
        if (!DOCKER.equals(def.providerId()) && !NULL_PROVIDER.equals(def.providerId())) {
            throw BerthException.input("providerId must be 'docker' (or 'null-provider' to delete the pool); got '" + def.providerId() + "'");
        }
        checkDefinition(def);
        WorkerPool old = pool(workerPoolId);
        WorkerPool pool = new WorkerPool(workerPoolId, def.providerId(), def.description(), def.config(), def.owner(),
                def.emailOnError(), old.created(), now());
        if (!store.updatePool(pool)) throw notFound(workerPoolId);
        if (pool.deleting()) drain(workerPoolId);
        return pool;
    }

    /** Marks the pool for deletion ({@code null-provider}) and asks its workers to stop; it goes once they have. */
    public WorkerPool delete(String workerPoolId) {
        WorkerPool old = pool(workerPoolId);
        WorkerPool pool = new WorkerPool(workerPoolId, NULL_PROVIDER, old.description(), old.config(), old.owner(),
                old.emailOnError(), old.created(), now());
        if (!store.updatePool(pool)) throw notFound(workerPoolId);
        drain(workerPoolId);
        return pool;
    }

    public WorkerPool pool(String workerPoolId) {
        checkPoolId(workerPoolId);
        return store.pool(workerPoolId).orElseThrow(() -> notFound(workerPoolId));
    }

    public Page<WorkerPool> pools(String continuationToken, int limit) {
        return store.pools(continuationToken, Math.min(limit, MAX_PAGE));
    }

    public PoolCounts counts(String workerPoolId) {
        pool(workerPoolId);
        return store.counts(workerPoolId);
    }

    /** The counts of a pool just read (a listing): one query, no second look-up of the pool. */
    public PoolCounts countsOf(WorkerPool pool) {
        return store.counts(pool.workerPoolId());
    }

    /** The docker config of a pool, read for the provisioner. */
    public DockerPoolConfig dockerConfig(WorkerPool pool) {
        if (!DOCKER.equals(pool.providerId())) throw BerthException.conflict("worker pool " + pool.workerPoolId() + " has no docker config");
        return DockerPoolConfig.of(pool.config());
    }

    private void checkDefinition(PoolDefinition def) {
        if (def.description() == null || def.description().length() > 10240) {
            throw BerthException.input("description must be given, at most 10240 characters");
        }
        if (def.owner() == null || def.owner().isEmpty() || def.owner().length() > 1024) {
            throw BerthException.input("owner must be given (an email address to tell about errors), at most 1024 characters");
        }
        JsonNode config = def.config();
        if (config == null || !config.isObject()) throw BerthException.input("config must be a JSON object");
        if (NULL_PROVIDER.equals(def.providerId())) return; // a pool being deleted keeps whatever config it had
        schemas.require(CONFIG_SCHEMA, config, "config");
        DockerPoolConfig docker;
        try {
            docker = DockerPoolConfig.of(config);
        } catch (ArithmeticException e) {
            throw BerthException.input("config.hostConfig: a size (memory or shmSize) is too large");
        }
        if (docker.minCapacity() > docker.maxCapacity()) {
            throw BerthException.input("config.minCapacity (" + docker.minCapacity() + ") must not be above config.maxCapacity ("
                    + docker.maxCapacity() + ")");
        }
    }

    private void drain(String workerPoolId) {
        Instant now = now();
        for (WorkerState live : List.of(WorkerState.REQUESTED, WorkerState.RUNNING)) {
            String token = null;
            do {
                Page<PoolWorker> page = store.workers(workerPoolId, null, live, token, MAX_PAGE);
                for (PoolWorker w : page.items()) store.updateWorker(w.withState(WorkerState.STOPPING, now));
                token = page.continuationToken();
            } while (token != null);
        }
    }

    /** Removes pools marked for deletion whose workers have all stopped; returns how many went. */
    public int removeDrained() {
        int removed = 0;
        String token = null;
        do {
            Page<WorkerPool> page = store.pools(token, MAX_PAGE);
            for (WorkerPool p : page.items()) {
                if (p.deleting() && store.removeIfDrained(p.workerPoolId())) removed++;
            }
            token = page.continuationToken();
        } while (token != null);
        return removed;
    }

    // ---- workers

    /**
     * Adds a worker to the pool in state {@code requested}: the provisioner starts it. Its capacity is the pool's
     * {@code capacityPerWorker} unless given. The live workers' capacity never goes above the pool's
     * {@code maxCapacity}: a worker that would take it there is refused (409).
     */
    public PoolWorker createWorker(String workerPoolId, String workerGroup, String workerId, Instant expires, Integer capacity) {
        checkWorkerIds(workerGroup, workerId);
        WorkerPool pool = pool(workerPoolId);
        if (pool.deleting()) throw BerthException.conflict("worker pool " + workerPoolId + " is being deleted: it takes no new workers");
        Instant now = now();
        if (expires == null || !expires.isAfter(now)) throw BerthException.input("expires must be in the future");
        DockerPoolConfig config = dockerConfig(pool);
        int cap = capacity != null ? capacity : config.capacityPerWorker();
        if (cap < 1) throw BerthException.input("capacity must be at least 1, got " + cap);
        PoolWorker w = new PoolWorker(workerPoolId, workerGroup, workerId, pool.providerId(), WorkerState.REQUESTED, cap, now,
                expires, now, now, null);
        if (!store.createWorkerWithin(w, config.maxCapacity())) {
            if (store.worker(workerPoolId, workerGroup, workerId).isPresent()) {
                throw BerthException.conflict("worker " + workerGroup + "/" + workerId + " already exists in worker pool " + workerPoolId);
            }
            throw BerthException.conflict("worker pool " + workerPoolId + " is at its maxCapacity (" + config.maxCapacity()
                    + "): a worker of capacity " + cap + " would take it above");
        }
        return w;
    }

    /**
     * The provisioner asks for one more worker of the pool's {@code capacityPerWorker}, living at most
     * {@code lifetime}: empty when the pool is being deleted, is not a docker pool, or is at its maxCapacity (also
     * when another provisioner took the last place at the same moment).
     */
    public Optional<PoolWorker> requestWorker(String workerPoolId, String workerGroup, String workerId, Duration lifetime) {
        checkWorkerIds(workerGroup, workerId);
        WorkerPool pool = pool(workerPoolId);
        if (!DOCKER.equals(pool.providerId())) return Optional.empty();
        DockerPoolConfig config = dockerConfig(pool);
        Instant now = now();
        PoolWorker w = new PoolWorker(workerPoolId, workerGroup, workerId, pool.providerId(), WorkerState.REQUESTED,
                config.capacityPerWorker(), now, now.plus(lifetime), now, now, null);
        return store.createWorkerWithin(w, config.maxCapacity()) ? Optional.of(w) : Optional.empty();
    }

    /** Changes a worker's expires (a past one expires it now) and capacity (not past the pool's maxCapacity). */
    public PoolWorker updateWorker(String workerPoolId, String workerGroup, String workerId, Instant expires, Integer capacity) {
        WorkerPool pool = pool(workerPoolId);
        PoolWorker w = worker(workerPoolId, workerGroup, workerId);
        if (expires == null) throw BerthException.input("expires must be given");
        int cap = capacity != null ? capacity : w.capacity();
        if (cap < 1) throw BerthException.input("capacity must be at least 1, got " + cap);
        if (cap > w.capacity() && w.state().live() && DOCKER.equals(pool.providerId())) {
            PoolCounts c = store.counts(workerPoolId);
            int live = c.requestedCapacity() + c.runningCapacity() + c.stoppingCapacity();
            int max = dockerConfig(pool).maxCapacity();
            if (live - w.capacity() + cap > max) {
                throw BerthException.conflict("worker pool " + workerPoolId + " is at its maxCapacity (" + max + "): capacity " + cap
                        + " for worker " + workerGroup + "/" + workerId + " would take it above");
            }
        }
        PoolWorker updated = w.withExpiresAndCapacity(expires, cap, now());
        if (!store.updateWorker(updated)) throw workerNotFound(workerPoolId, workerGroup, workerId);
        return updated;
    }

    /** Asks for the worker to go: it becomes {@code stopping} (a stopped one stays stopped). */
    public PoolWorker removeWorker(String workerPoolId, String workerGroup, String workerId) {
        PoolWorker w = worker(workerPoolId, workerGroup, workerId);
        if (w.state() == WorkerState.STOPPED || w.state() == WorkerState.STOPPING) return w;
        PoolWorker stopping = w.withState(WorkerState.STOPPING, now());
        store.updateWorker(stopping);
        return stopping;
    }

    /** The provisioner moves a worker on (started, stopped) and records where it runs. */
    public PoolWorker moveWorker(String workerPoolId, String workerGroup, String workerId, WorkerState next, JsonNode providerData) {
        PoolWorker w = worker(workerPoolId, workerGroup, workerId);
        Instant now = now();
        PoolWorker moved = w.withState(next, now);
        if (providerData != null) moved = moved.withProviderData(providerData, now);
        if (!store.updateWorker(moved)) throw workerNotFound(workerPoolId, workerGroup, workerId);
        return moved;
    }

    public PoolWorker worker(String workerPoolId, String workerGroup, String workerId) {
        checkPoolId(workerPoolId);
        checkWorkerIds(workerGroup, workerId);
        return store.worker(workerPoolId, workerGroup, workerId).orElseThrow(() -> workerNotFound(workerPoolId, workerGroup, workerId));
    }

    public Optional<PoolWorker> findWorker(String workerPoolId, String workerGroup, String workerId) {
        return store.worker(workerPoolId, workerGroup, workerId);
    }

    /** A pool's workers (the pool must exist), narrowed to one group and one state when those are not null. */
    public Page<PoolWorker> workers(String workerPoolId, String workerGroup, WorkerState state, String continuationToken, int limit) {
        pool(workerPoolId);
        return store.workers(workerPoolId, workerGroup, state, continuationToken, Math.min(limit, MAX_PAGE));
    }

    private static void checkWorkerIds(String workerGroup, String workerId) {
        if (workerGroup == null || !IDENTIFIER.matcher(workerGroup).matches()) {
            throw BerthException.input("workerGroup must be 1 to 38 of a-z A-Z 0-9 _ -; got '" + workerGroup + "'");
        }
        if (workerId == null || !IDENTIFIER.matcher(workerId).matches()) {
            throw BerthException.input("workerId must be 1 to 38 of a-z A-Z 0-9 _ -; got '" + workerId + "'");
        }
    }

    // ---- errors

    /** A worker reports an error: its group and id are added to {@code extra}, as worker-manager does. */
    public WorkerPoolError reportWorkerError(String workerPoolId, String workerGroup, String workerId, String kind, String title,
                                             String description, JsonNode extra) {
        checkWorkerIds(workerGroup, workerId);
        ObjectNode withWorker = extra != null && extra.isObject() ? (ObjectNode) extra.deepCopy() : Json.MAPPER.createObjectNode();
        withWorker.put("workerGroup", workerGroup).put("workerId", workerId);
        return reportError(workerPoolId, kind, title, description, withWorker);
    }

    /** Records an error on the pool (the provisioner's "last errors": a container that would not start, a bad image). */
    public WorkerPoolError reportError(String workerPoolId, String kind, String title, String description, JsonNode extra) {
        pool(workerPoolId);
        if (kind == null || !KIND.matcher(kind).matches()) throw BerthException.input("kind must be 1 to 128 of a-z 0-9 -; got '" + kind + "'");
        if (title == null || title.length() > 128) throw BerthException.input("title must be given, at most 128 characters");
        if (description == null || description.length() > 10240) {
            throw BerthException.input("description must be given, at most 10240 characters");
        }
        WorkerPoolError e = new WorkerPoolError(Slugid.nice(), workerPoolId, now(), kind, title, description, extra);
        store.addError(e);
        return e;
    }

    /** The pool's newest errors, at most {@code n}: what an operator (and {@code berth pool show}) reads first. */
    public List<WorkerPoolError> lastErrors(String workerPoolId, int n) {
        return errors(workerPoolId, null, null, n).items();
    }

    public Page<WorkerPoolError> errors(String workerPoolId, String errorId, String continuationToken, int limit) {
        checkPoolId(workerPoolId);
        return store.errors(workerPoolId, errorId, continuationToken, Math.min(limit, MAX_PAGE));
    }

    /** Counts of the errors of the last {@link #ERRORS_KEPT} of one pool, or of all ({@code workerPoolId} null). */
    public ErrorStats errorStats(String workerPoolId) {
        if (workerPoolId != null) pool(workerPoolId);
        Instant now = now();
        Instant dayFrom = now.truncatedTo(ChronoUnit.DAYS).minus(ERRORS_KEPT.minusDays(1));
        Instant hourFrom = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23));
        Map<String, Integer> daily = new TreeMap<>();
        Map<String, Integer> hourly = new TreeMap<>();
        for (int d = 0; d < ERRORS_KEPT.toDays(); d++) daily.put(Json.format(dayFrom.plus(Duration.ofDays(d))), 0);
        for (int h = 0; h < 24; h++) hourly.put(Json.format(hourFrom.plus(Duration.ofHours(h))), 0);
        Map<String, Integer> titles = new TreeMap<>();
        Map<String, Integer> codes = new TreeMap<>();
        Map<String, Integer> pools = new TreeMap<>();
        int total = 0;
        for (WorkerPoolError e : store.errorsSince(workerPoolId, dayFrom)) {
            total++;
            daily.merge(Json.format(e.reported().truncatedTo(ChronoUnit.DAYS)), 1, Integer::sum);
            if (!e.reported().isBefore(hourFrom)) hourly.merge(Json.format(e.reported().truncatedTo(ChronoUnit.HOURS)), 1, Integer::sum);
            titles.merge(e.title(), 1, Integer::sum);
            codes.merge(e.kind(), 1, Integer::sum);
            pools.merge(e.workerPoolId(), 1, Integer::sum);
        }
        return new ErrorStats(workerPoolId == null ? "" : workerPoolId, total, daily, hourly, titles, codes, pools);
    }

    // ---- housekeeping

    /** The sweep: old errors and expired stopped workers go, and drained pools marked for deletion. */
    public int expire() {
        Instant now = now();
        return store.expireErrors(now.minus(ERRORS_KEPT)) + store.expireWorkers(now) + removeDrained();
    }

    /** Milliseconds, as the wire shows them: a time read back equals the one written, and error pages cut cleanly. */
    private Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    public static void checkPoolId(String workerPoolId) {
        if (workerPoolId == null || !POOL_ID.matcher(workerPoolId).matches()) {
            throw BerthException.input("workerPoolId must be a task queue id '<provisionerId>/<workerType>' (1 to 38 of a-z A-Z 0-9 _ -, "
                    + "a slash, then 1 to 38 of a-z 0-9 - starting with a letter); got '" + workerPoolId + "'");
        }
    }

    private static BerthException notFound(String workerPoolId) {
        return BerthException.notFound("worker pool " + workerPoolId + " does not exist");
    }

    private static BerthException workerNotFound(String pool, String group, String id) {
        return BerthException.notFound("worker " + group + "/" + id + " does not exist in worker pool " + pool);
    }
}
