package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POSTs to a live artifact's appendUrl with {@code ?offset=n}: a batch sent again is stored once. */
class AppendOffsetApiTest extends ServerTestSupport {

    private String runningTask() {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        return id;
    }

    private String liveLog(String id) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("storageType", "s3");
        b.put("contentType", "text/plain");
        b.put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        SignedHttp.Response r = root.post(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log", b);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("appendUrl").asText(r.json().get("putUrl").asText());
    }

    private SignedHttp.Response append(String url, Object offset, String text) {
        String at = offset == null ? url : url + (url.contains("?") ? "&" : "?") + "offset=" + offset;
        return anon.send("POST", at, text.getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
    }

    private String content(String id) {
        assertThat(root.put(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log", null).status()).isEqualTo(200);
        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log");
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        return got.text();
    }

    @Test
    void appendsAtAnOffsetAnswerTheSizeAndStoreEachByteOnce() {
        String id = runningTask();
        String url = liveLog(id);

        SignedHttp.Response first = append(url, 0, "one\n");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.json().get("size").asLong()).isEqualTo(4);
        // the same batch again (its answer was lost): 200 with the size, nothing written
        SignedHttp.Response again = append(url, 0, "one\n");
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().get("size").asLong()).isEqualTo(4);
        // a batch reaching over the end: only its tail is new
        SignedHttp.Response overlap = append(url, 2, "e\ntwo\n");
        assertThat(overlap.status()).as(overlap.toString()).isEqualTo(200);
        assertThat(overlap.json().get("size").asLong()).isEqualTo(8);
        // without an offset, as before: at the end
        SignedHttp.Response plain = append(url, null, "three\n");
        assertThat(plain.json().get("size").asLong()).isEqualTo(14);

        assertThat(content(id)).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void anAppendBeyondTheStoredSizeIs409NamingBothNumbers() {
        String id = runningTask();
        String url = liveLog(id);
        append(url, 0, "one\n");

        SignedHttp.Response gap = append(url, 9, "later\n");

        assertThat(gap.status()).as(gap.toString()).isEqualTo(409);
        assertThat(gap.json().get("message").asText()).contains("holds 4 bytes").contains("offset 9");
        assertThat(content(id)).isEqualTo("one\n");
    }

    @Test
    void anOffsetThatIsNoByteCountIs400NamingIt() {
        String id = runningTask();
        String url = liveLog(id);

        for (String bad : new String[] {"-1", "abc", "1.5", "", "99999999999999999999"}) {
            SignedHttp.Response r = append(url, bad, "x");
            assertThat(r.status()).as("offset '%s': %s", bad, r).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as("offset '%s'", bad).contains("offset");
        }
        assertThat(append(url, 0, "ok\n").json().get("size").asLong()).isEqualTo(3);
    }

    private SignedHttp.Response appendAndFinish(String url, long offset, String text) {
        return append(url + (url.contains("?") ? "&" : "?") + "finish=true", offset, text);
    }

    @Test
    void anAppendWithFinishStoresTheLastBatchAndFinishesTheArtifactInOneRequest() {
        String id = runningTask();
        String url = liveLog(id);
        append(url, 0, "one\n");

        SignedHttp.Response last = appendAndFinish(url, 4, "two\n");

        assertThat(last.status()).as(last.toString()).isEqualTo(200);
        assertThat(last.json().get("size").asLong()).isEqualTo(8);
        assertThat(last.json().get("finished").asBoolean()).isTrue();
        // finished: the content is final and readable whole, and nothing more is appended
        SignedHttp.Response got = anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log");
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.text()).isEqualTo("one\ntwo\n");
        SignedHttp.Response more = append(url, 8, "three\n");
        assertThat(more.status()).as(more.toString()).isEqualTo(409);
        assertThat(more.json().get("message").asText()).contains("is finished");
    }

    @Test
    void aFinishingAppendSentAgainAfterItsAnswerWasLostGetsTheSameAnswerAndStoresNothing() {
        String id = runningTask();
        String url = liveLog(id);
        assertThat(appendAndFinish(url, 0, "only\n").status()).isEqualTo(200);

        SignedHttp.Response again = appendAndFinish(url, 0, "only\n");

        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().get("size").asLong()).isEqualTo(5);
        assertThat(again.json().get("finished").asBoolean()).isTrue();
        // a batch the finished artifact does not hold is refused, finish or not
        SignedHttp.Response beyond = appendAndFinish(url, 5, "late\n");
        assertThat(beyond.status()).as(beyond.toString()).isEqualTo(409);
        assertThat(anon.get(Q + "/task/" + id + "/runs/0/artifacts/public/logs/live.log").text()).isEqualTo("only\n");
    }

    @Test
    void anAppendWithoutFinishLeavesTheArtifactOpenAndSaysNothingOfFinishing() {
        String id = runningTask();
        String url = liveLog(id);

        SignedHttp.Response r = append(url, 0, "one\n");

        assertThat(r.json().has("finished")).isFalse();
        assertThat(append(url, 4, "two\n").status()).isEqualTo(200);
        assertThat(content(id)).isEqualTo("one\ntwo\n");
    }
}
