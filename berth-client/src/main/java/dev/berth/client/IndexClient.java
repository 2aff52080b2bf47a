package dev.berth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** Index v1 routes, named and shaped as in taskcluster-client's {@code apis.js} (entry {@code Index}). */
public final class IndexClient {

    public static final String SERVICE = "index";

    private final BerthClient client;

    IndexClient(BerthClient client) { this.client = client; }

    /** GET /task/&lt;indexPath&gt;: the task indexed at the path. */
    public JsonNode findTask(String indexPath) {
        return client.get(SERVICE, BerthClient.path("/task/<indexPath>", indexPath));
    }

    /** PUT /task/&lt;namespace&gt; with {@code {taskId, rank, data, expires}}; answers the entry kept. */
    public JsonNode insertTask(String namespace, Object request) {
        return client.request("PUT", SERVICE, BerthClient.path("/task/<namespace>", namespace), null, request);
    }

    public void deleteTask(String namespace) {
        client.request("DELETE", SERVICE, BerthClient.path("/task/<namespace>", namespace), null, null);
    }

    /** GET /namespaces/&lt;namespace&gt; ("" for the root), one page. */
    public JsonNode listNamespaces(String namespace, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, "/namespaces/" + BerthClient.encodeComponent(namespace),
                QueueClient.page(continuationToken, limit), null);
    }

    /** GET /tasks/&lt;namespace&gt; ("" for the root), one page. */
    public JsonNode listTasks(String namespace, String continuationToken, Integer limit) {
        return client.request("GET", SERVICE, "/tasks/" + BerthClient.encodeComponent(namespace),
                QueueClient.page(continuationToken, limit), null);
    }

    /** POST /tasks/indexes: the entries at the given paths, one page. */
    public JsonNode findTasksAtIndex(java.util.List<String> indexes, String continuationToken, Integer limit) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("indexes", indexes);
        return client.request("POST", SERVICE, "/tasks/indexes", QueueClient.page(continuationToken, limit), body);
    }
}
