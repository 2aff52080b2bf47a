package dev.berth.worker.superseding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Asks a task's superseder (seed 002): {@code GET <supersederUrl>?taskId=<claimed>} answers
 * {@code {"supersedes": [taskId, ...]}}, sorted so that each task supersedes every one before it, the claimed
 * task among them. The whole exchange, body included, is bounded by {@link #TIMEOUT}.
 */
public class SupersederClient {

    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{22}");

    private final HttpClient http;
    private final Duration timeout;

    public SupersederClient() {
        this(TIMEOUT);
    }

    SupersederClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** The superseder could not be asked, did not answer in time, or answered something that is not a list to use. */
    public static final class Unanswered extends Exception {
        Unanswered(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The task ids the superseder lists for {@code taskId}, lowest first; the list holds {@code taskId}. */
    public List<String> supersedes(String supersederUrl, String taskId) throws Unanswered, InterruptedException {
        URI uri = uri(supersederUrl, taskId);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> response;
        try {
            response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new Unanswered("did not answer within " + timeout.toSeconds() + "s", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // the client's own request timeout can fire before ours: it is the same "no answer in time"
            if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                throw new Unanswered("did not answer within " + timeout.toSeconds() + "s", cause);
            }
            throw new Unanswered("could not be reached: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        }
        if (response.statusCode() != 200) {
            throw new Unanswered("answered HTTP " + response.statusCode(), null);
        }
        return parse(response.body(), taskId);
    }

    static URI uri(String supersederUrl, String taskId) throws Unanswered {
        URI base;
        try {
            base = URI.create(supersederUrl);
        } catch (IllegalArgumentException e) {
            throw new Unanswered("is not a URL (" + e.getMessage() + ")", e);
        }
        if (!"http".equalsIgnoreCase(base.getScheme()) && !"https".equalsIgnoreCase(base.getScheme()) || base.getHost() == null) {
            throw new Unanswered("is not an http or https URL", null);
        }
        String s = supersederUrl;
        int hash = s.indexOf('#');
        if (hash >= 0) s = s.substring(0, hash);
        return URI.create(s + (base.getRawQuery() == null ? "?" : "&") + "taskId=" + URLEncoder.encode(taskId, StandardCharsets.UTF_8));
    }

    static List<String> parse(byte[] body, String taskId) throws Unanswered {
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new Unanswered("answered something that is not JSON", e);
        }
        JsonNode list = answer == null ? null : answer.get("supersedes");
        if (list == null || !list.isArray()) throw new Unanswered("answered no \"supersedes\" list", null);
        List<String> ids = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode id : list) {
            if (!id.isTextual() || !TASK_ID.matcher(id.asText()).matches()) {
                throw new Unanswered("listed " + abbreviate(id.toString()) + ", which is not a task id", null);
            }
            if (!seen.add(id.asText())) throw new Unanswered("listed " + id.asText() + " twice", null);
            ids.add(id.asText());
        }
        if (!seen.contains(taskId)) throw new Unanswered("answered a list without the claimed task " + taskId, null);
        return List.copyOf(ids);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
