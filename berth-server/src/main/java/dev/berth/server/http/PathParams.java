package dev.berth.server.http;

import dev.berth.core.BerthException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks every path parameter by its name against Taskcluster's patterns before any handler, store or scope
 * sees it, so an odd id is a 400 naming the parameter instead of a miss, an SQL error or a scope that cannot be
 * written.
 */
public final class PathParams {

    private record Rule(Pattern pattern, String description) {}

    public static final Pattern SLUGID = Pattern.compile("[A-Za-z0-9_-]{22}");
    public static final Pattern PROVISIONER_ID = Pattern.compile("[a-zA-Z0-9_-]{1,38}");
    /** Taskcluster's identifier (workerGroup, workerId). */
    public static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z0-9_-]{1,38}");
    public static final Pattern WORKER_TYPE = Pattern.compile("[a-z]([-a-z0-9]{0,36}[a-z0-9])?");
    /** Taskcluster's clientId pattern; 255 is the longest id the stores hold. */
    public static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9!@/:.+|_-]{1,255}");
    /** Taskcluster's roleId pattern (printable ASCII); 255 is the longest id the stores hold. */
    public static final Pattern ROLE_ID = Pattern.compile("[\\x20-\\x7e]{1,255}");
    /** Taskcluster's index namespace format, within the 255 characters the index holds. */
    private static final Pattern INDEX_PATH = Pattern.compile("(?=.{1,255}$)([a-zA-Z0-9_!~*'()%-]+\\.)*[a-zA-Z0-9_!~*'()%-]+");
    private static final String INDEX_PATH_RULE = "dot-separated segments of a-z A-Z 0-9 _ ! ~ * ' ( ) % - (at most 255 characters)";
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\x00-\\x1f\\x7f]+");

    private static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("taskId", new Rule(SLUGID, "22 URL-safe base64 characters (a slugid)")),
            Map.entry("taskGroupId", new Rule(SLUGID, "22 URL-safe base64 characters (a slugid)")),
            Map.entry("runId", new Rule(Pattern.compile("[0-9]{1,9}"), "a non-negative whole number")),
            Map.entry("provisionerId", new Rule(PROVISIONER_ID, "1 to 38 of a-z A-Z 0-9 _ -")),
            Map.entry("workerType", new Rule(WORKER_TYPE, "1 to 38 of a-z 0-9 -, starting with a letter")),
            Map.entry("clientId", new Rule(CLIENT_ID, "1 to 255 of A-Z a-z 0-9 !@/:.+|_-")),
            Map.entry("roleId", new Rule(ROLE_ID, "1 to 255 printable ASCII characters")),
            Map.entry("entityType", new Rule(Pattern.compile("client|role|secret|hook|worker-pool"),
                    "one of client, role, secret, hook, worker-pool (Taskcluster's audited entity types)")),
            Map.entry("namespace", new Rule(INDEX_PATH, INDEX_PATH_RULE)),
            Map.entry("indexPath", new Rule(INDEX_PATH, INDEX_PATH_RULE)),
            Map.entry("workerGroup", new Rule(IDENTIFIER, "1 to 38 of a-z A-Z 0-9 _ -")),
            Map.entry("workerId", new Rule(IDENTIFIER, "1 to 38 of a-z A-Z 0-9 _ -")));
    /** Any other parameter (artifact names, job ids): no control characters. */
    private static final Rule OTHER = new Rule(NO_CONTROL, "free of control characters");

    private PathParams() {}

    /**
     * The route's path parameters, each checked; a task queue is also given as {@code taskQueueId},
     * {@code provisionerId} and {@code workerType} whichever way the path spelled it.
     */
    public static Map<String, String> checked(Context ctx) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : ctx.pathParamMap().entrySet()) {
            check(e.getKey(), e.getValue());
            out.put(e.getKey(), e.getValue());
        }
        if (out.containsKey("taskQueueId")) {
            String id = taskQueueId(out.get("taskQueueId"));
            out.put("provisionerId", id.substring(0, id.indexOf('/')));
            out.put("workerType", id.substring(id.indexOf('/') + 1));
        } else if (out.containsKey("provisionerId") && out.containsKey("workerType")) {
            out.put("taskQueueId", out.get("provisionerId") + "/" + out.get("workerType"));
        }
        return out;
    }

    public static void check(String name, String value) {
        Rule rule = RULES.getOrDefault(name, OTHER);
        if (!rule.pattern().matcher(value).matches()) {
            throw BerthException.input(name + " must be " + rule.description() + "; got " + quote(value));
        }
    }

    /** A task queue id, {@code <provisionerId>/<workerType>}, checked as Taskcluster's schema does. */
    public static String taskQueueId(String id) {
        int slash = id.indexOf('/');
        if (slash <= 0 || !PROVISIONER_ID.matcher(id.substring(0, slash)).matches()
                || !WORKER_TYPE.matcher(id.substring(slash + 1)).matches()) {
            throw BerthException.input("taskQueueId must look like '<provisionerId>/<workerType>' (1 to 38 of a-z A-Z 0-9 _ -, "
                    + "a slash, then 1 to 38 of a-z 0-9 - starting with a letter); got " + quote(id));
        }
        return id;
    }

    /** The value in quotes, control characters shown as {@code <U+001B>} and cut short, safe for a message or a log line. */
    public static String quote(String value) {
        StringBuilder sb = new StringBuilder("'");
        int n = 0;
        for (char c : value.toCharArray()) {
            if (n++ == 100) break;
            if (c < 0x20 || c == 0x7f) sb.append(String.format("<U+%04X>", (int) c)); else sb.append(c);
        }
        sb.append('\'');
        return value.length() > 100 ? sb.append("… (").append(value.length()).append(" characters)").toString() : sb.toString();
    }
}
