package dev.berth.core.index;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.core.store.Page;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Taskcluster's index: tasks found again by dot-separated paths. An insert keeps the entry with the higher
 * rank (the newer one when ranks are equal); every namespace above an entry exists and expires no earlier
 * than it; expired entries are not found and are swept.
 */
public final class IndexService {

    /** Taskcluster's page size limit for index listings. */
    public static final int MAX_PAGE = 1000;
    /** Taskcluster refuses more than this much data on an entry. */
    public static final int MAX_DATA_BYTES = 32 * 1024;

    private final IndexStore store;
    private final Clock clock;

    public IndexService(IndexStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public Instant now() { return clock.instant(); }

    /** insertTask: the entry stored after the call (a higher-ranked one already there stays, answered as is). */
    public IndexedTask insert(IndexPath path, String taskId, long rank, ObjectNode data, Instant expires) {
        if (path.isRoot()) throw BerthException.input("namespace must not be empty: a task is indexed under a name");
        int size = Json.writeBytes(data).length;
        if (size > MAX_DATA_BYTES) {
            throw BerthException.input("data is " + size + " bytes of JSON; an index entry holds at most " + MAX_DATA_BYTES);
        }
        return store.insert(new IndexedTask(path, taskId, rank, data, expires), namespaceExpiry(expires), clock.instant());
    }

    /**
     * Namespaces expire at the start of the UTC day after their latest entry's expiry, so that the many inserts
     * of one day rewrite no namespace row after the first.
     */
    static Instant namespaceExpiry(Instant expires) {
        Instant day = expires.truncatedTo(ChronoUnit.DAYS);
        return day.plus(Duration.ofDays(1));
    }

    /** findTask. */
    public IndexedTask find(IndexPath path) {
        return store.find(path, clock.instant())
                .orElseThrow(() -> BerthException.notFound("no task is indexed at '" + path.full() + "' (or its entry expired)"));
    }

    public Page<IndexedTask> tasksIn(IndexPath namespace, String continuationToken, int limit) {
        return store.tasksIn(namespace.full(), continuationToken, pageSize(limit), clock.instant());
    }

    public Page<IndexNamespace> namespacesIn(IndexPath namespace, String continuationToken, int limit) {
        return store.namespacesIn(namespace.full(), continuationToken, pageSize(limit), clock.instant());
    }

    /**
     * findTasksAtIndex: the entries at the given paths, paged over the list as given (the token is a position in
     * it, so it is only meaningful with the same list).
     */
    public Page<IndexedTask> findAll(List<IndexPath> paths, String continuationToken, int limit) {
        int from = position(continuationToken);
        int size = pageSize(limit);
        List<IndexedTask> found = new ArrayList<>();
        int at = from;
        // a page holds up to `size` entries; paths without one are passed over within the same call
        while (at < paths.size() && found.size() < size) {
            int end = Math.min(paths.size(), at + (size - found.size()));
            found.addAll(store.findAll(paths.subList(at, end), clock.instant()));
            at = end;
        }
        return new Page<>(found, at < paths.size() ? positionToken(at) : null);
    }

    /** deleteTask: answers the same whether an entry was there or not, as Taskcluster does. */
    public void delete(IndexPath path) {
        if (path.isRoot()) throw BerthException.input("namespace must not be empty");
        store.delete(path);
    }

    /** Sweeps expired entries and namespaces. @return how many went */
    public int expire() {
        return store.deleteExpired(clock.instant());
    }

    private static int pageSize(int limit) {
        if (limit < 1) throw BerthException.input("limit must be at least 1; got " + limit);
        return Math.min(limit, MAX_PAGE);
    }

    private static final String POSITION = "at:";

    private static String positionToken(int at) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((POSITION + at).getBytes(StandardCharsets.UTF_8));
    }

    private static int position(String token) {
        if (token == null || token.isEmpty()) return 0;
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (s.startsWith(POSITION)) {
                int at = Integer.parseInt(s.substring(POSITION.length()));
                if (at >= 0) return at;
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw BerthException.input("continuationToken '" + token + "' is not valid: pass back the continuationToken "
                + "of the previous page unchanged, with the same indexes");
    }
}
