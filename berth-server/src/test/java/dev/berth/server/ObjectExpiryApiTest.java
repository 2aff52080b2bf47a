package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.testing.MutableClock;
import dev.berth.testing.SignedHttp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Objects expire and are swept with their bytes, as artifacts; an upload left unfinished goes after a day. */
class ObjectExpiryApiTest extends ServerTestSupport {

    private static final String O = ObjectApiTest.O;
    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Clock clock() { return clock; }

    private String upload(String name, Instant expires, byte[] data) {
        String uploadId = Slugid.nice();
        ObjectNode b = Json.MAPPER.createObjectNode().put("projectId", "proj").put("uploadId", uploadId).put("expires", Json.format(expires));
        b.putObject("proposedUploadMethods").putObject("dataInline").put("contentType", "text/plain")
                .put("objectData", Base64.getEncoder().encodeToString(data));
        SignedHttp.Response r = root.put(O + "/upload/" + ObjectApiTest.enc(name), b);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return uploadId;
    }

    @Test
    void anExpiredObjectIsSweptWithItsBytes() throws Exception {
        String name = "expiring/" + Slugid.nice();
        byte[] data = "short-lived".getBytes();
        String uploadId = upload(name, clock.instant().plus(Duration.ofMinutes(10)), data);
        ObjectNode f = Json.MAPPER.createObjectNode().put("projectId", "proj").put("uploadId", uploadId);
        f.set("hashes", Json.MAPPER.valueToTree(ObjectApiTest.hashes(data)));
        assertThat(root.post(O + "/finish-upload/" + ObjectApiTest.enc(name), f).status()).isEqualTo(200);
        String url = root.put(O + "/start-download/" + ObjectApiTest.enc(name), Map.of("acceptDownloadMethods", Map.of("simple", true)))
                .json().get("url").asText();
        server.sweep();
        assertThat(root.get(O + "/metadata/" + ObjectApiTest.enc(name)).status()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(11));
        assertThat(root.get(O + "/metadata/" + ObjectApiTest.enc(name)).status()).as("expired, not yet swept").isEqualTo(404);
        server.sweep();

        assertThat(root.get(O + "/metadata/" + ObjectApiTest.enc(name)).status()).isEqualTo(404);
        assertThat(anon.send("GET", url, null, null, Map.of()).status()).isEqualTo(404);
        // the name is free again: a new upload of it starts afresh
        upload(name, clock.instant().plus(Duration.ofDays(1)), data);
    }

    @Test
    void anUploadLeftUnfinishedIsSweptAfterADay() {
        String name = "abandoned/" + Slugid.nice();
        String uploadId = upload(name, clock.instant().plus(Duration.ofDays(30)), "x".getBytes());
        Instant start = clock.instant();

        clock.advance(Duration.ofHours(25));
        server.sweep();
        clock.set(start.plusSeconds(1)); // back within Hawk's allowed skew for the signed requests below

        ObjectNode f = Json.MAPPER.createObjectNode().put("projectId", "proj").put("uploadId", uploadId);
        SignedHttp.Response r = root.post(O + "/finish-upload/" + ObjectApiTest.enc(name), f);
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
    }
}
