package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import dev.berth.testing.SignedHttp;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The URL an artifact-content answer gives for an s3 artifact on the local store works for a few minutes only. */
class ArtifactContentUrlExpiryApiTest extends ServerTestSupport {

    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Clock clock() { return clock; }

    @Test
    void theDownloadUrlOfAPrivateArtifactStopsWorkingAfterFiveMinutes() {
        String queue = newQueue();
        String id = createTask(queue);
        assertThat(claim(queue, 1)).hasSize(1);
        ObjectNode body = Json.MAPPER.createObjectNode().put("storageType", "s3").put("contentType", "text/plain")
                .put("expires", Json.format(clock.instant().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS)));
        SignedHttp.Response created = root.post(Q + "/task/" + id + "/runs/0/artifacts/private/x.txt", body);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        assertThat(anon.send("PUT", created.json().get("putUrl").asText(), "x".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of()).status())
                .isEqualTo(200);
        SignedHttp.Response content = root.get(Q + "/task/" + id + "/runs/0/artifact-content/private/x.txt");
        assertThat(content.status()).as(content.toString()).isEqualTo(200);
        String url = content.json().get("url").asText();

        clock.advance(Duration.ofMinutes(4));
        assertThat(anon.send("GET", url, null, null, Map.of()).text()).isEqualTo("x");
        clock.advance(Duration.ofMinutes(2));
        SignedHttp.Response late = anon.send("GET", url, null, null, Map.of());
        assertThat(late.status()).as(late.toString()).isEqualTo(403);
        assertThat(late.json().get("message").asText()).contains("queue:get-artifact:private/x.txt");
    }
}
