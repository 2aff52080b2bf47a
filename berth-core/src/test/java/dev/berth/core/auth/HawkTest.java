package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Vectors made with the hawk 9 npm package (as used by taskcluster-client 55) and hard-coded here. */
class HawkTest {

    private static final Hawk.KeyLookup TESTER = (id, ext) -> id.equals("tester") ? "no-secret" : null;
    private static final Instant AT_VECTOR_TIME = Instant.ofEpochSecond(1700000000);

    // hawk.client.header('https://tc.example.com/api/queue/v1/task/abc?x=1', 'GET', {credentials: {id: 'tester',
    //   key: 'no-secret', algorithm: 'sha256'}, timestamp: 1700000000, nonce: 'abc123', ext})
    private static final String EXT_AUTHORIZED = "eyJhdXRob3JpemVkU2NvcGVzIjpbInF1ZXVlOmdldC10YXNrOioiXX0=";
    private static final String NODE_GET_HEADER = "Hawk id=\"tester\", ts=\"1700000000\", nonce=\"abc123\", ext=\""
            + EXT_AUTHORIZED + "\", mac=\"5v90xnGogDWcq0Ky7SmG4FPcDIIQy19jwl9Atvf/UZk=\"";
    // Same credentials, PUT http://localhost:8080/api/queue/v1/task/abc, payload '{"a":1}',
    // contentType 'application/json; charset=utf-8', nonce 'n0nce'.
    private static final String NODE_PUT_HEADER = "Hawk id=\"tester\", ts=\"1700000000\", nonce=\"n0nce\", "
            + "hash=\"qKG2AtsqLMhIdy7+OrxWG0bU8wTDncYSW0gmNukAKpI=\", mac=\"CZIw/VQLoNMavLCNSCeGOz2GWvagI7lls4mgsir0TiE=\"";
    private static final byte[] PUT_BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    // hawk.client.getBewit('https://tc.example.com/api/queue/v1/task/abc/artifacts/public%2Flog.txt?x=1',
    //   {credentials, ttlSec: 900, ext: ''}) at 1700000000.5 s: exp = 1700000900.
    private static final String NODE_BEWIT =
            "dGVzdGVyXDE3MDAwMDA5MDBcRDFXSFp0VW1nOVo2WnF3SFp0cW9EMzRyemRuNm4zQ1hQZ0RmdzRXTU1mVT1c";

    @Test
    void signerReproducesNodeHeaders() {
        assertThat(Hawk.header("GET", URI.create("https://tc.example.com/api/queue/v1/task/abc?x=1"), "tester",
                "no-secret", EXT_AUTHORIZED, null, 1700000000, "abc123")).isEqualTo(NODE_GET_HEADER);
        String hash = Hawk.payloadHash(PUT_BODY, "application/json; charset=utf-8");
        assertThat(Hawk.header("PUT", URI.create("http://localhost:8080/api/queue/v1/task/abc"), "tester",
                "no-secret", null, hash, 1700000000, "n0nce")).isEqualTo(NODE_PUT_HEADER);
    }

    @Test
    void verifiesNodeHeader() {
        Hawk.Result result = Hawk.verifyHeader(NODE_GET_HEADER, "GET", "/api/queue/v1/task/abc?x=1",
                "tc.example.com", 443, null, null, TESTER, AT_VECTOR_TIME.plusSeconds(30));
        assertThat(result.valid()).as(result.failure()).isTrue();
        assertThat(result.id()).isEqualTo("tester");
        assertThat(result.ext()).isEqualTo(EXT_AUTHORIZED);
        assertThat(Ext.parse(result.ext()).authorizedScopes()).containsExactly("queue:get-task:*");
    }

    @Test
    void verifiesPayloadHashWhenBodyGiven() {
        Hawk.Result good = Hawk.verifyHeader(NODE_PUT_HEADER, "PUT", "/api/queue/v1/task/abc", "localhost", 8080,
                PUT_BODY, "application/json", TESTER, AT_VECTOR_TIME);
        assertThat(good.valid()).as(good.failure()).isTrue();
        Hawk.Result tampered = Hawk.verifyHeader(NODE_PUT_HEADER, "PUT", "/api/queue/v1/task/abc", "localhost",
                8080, "{\"a\":2}".getBytes(StandardCharsets.UTF_8), "application/json", TESTER, AT_VECTOR_TIME);
        assertThat(tampered.valid()).isFalse();
        assertThat(tampered.failure()).contains("payload hash");
    }

    @Test
    void rejectsBadMacWrongKeyAndChangedRequest() {
        String badMac = NODE_GET_HEADER.replace("5v90x", "5v90y");
        assertThat(verify(badMac, "GET", "/api/queue/v1/task/abc?x=1", 443).failure()).contains("mac");
        assertThat(verify(NODE_GET_HEADER, "POST", "/api/queue/v1/task/abc?x=1", 443).valid()).isFalse();
        assertThat(verify(NODE_GET_HEADER, "GET", "/api/queue/v1/task/abd?x=1", 443).valid()).isFalse();
        assertThat(verify(NODE_GET_HEADER, "GET", "/api/queue/v1/task/abc?x=1", 8443).valid()).isFalse();
        Hawk.Result wrongKey = Hawk.verifyHeader(NODE_GET_HEADER, "GET", "/api/queue/v1/task/abc?x=1",
                "tc.example.com", 443, null, null, (id, ext) -> "other-secret", AT_VECTOR_TIME);
        assertThat(wrongKey.valid()).isFalse();
        Hawk.Result unknown = Hawk.verifyHeader(NODE_GET_HEADER, "GET", "/api/queue/v1/task/abc?x=1",
                "tc.example.com", 443, null, null, (id, ext) -> null, AT_VECTOR_TIME);
        assertThat(unknown.failure()).contains("unknown clientId tester");
    }

    @Test
    void rejectsSkewBeyondFifteenMinutes() {
        Hawk.KeyLookup keys = TESTER;
        String path = "/api/queue/v1/task/abc?x=1";
        assertThat(Hawk.verifyHeader(NODE_GET_HEADER, "GET", path, "tc.example.com", 443, null, null, keys,
                AT_VECTOR_TIME.plus(Duration.ofMinutes(15))).valid()).isTrue();
        Hawk.Result late = Hawk.verifyHeader(NODE_GET_HEADER, "GET", path, "tc.example.com", 443, null, null, keys,
                AT_VECTOR_TIME.plus(Duration.ofMinutes(15)).plusSeconds(1));
        assertThat(late.valid()).isFalse();
        assertThat(late.failure()).contains("clock");
        assertThat(Hawk.verifyHeader(NODE_GET_HEADER, "GET", path, "tc.example.com", 443, null, null, keys,
                AT_VECTOR_TIME.minus(Duration.ofMinutes(16))).valid()).isFalse();
    }

    @Test
    void rejectsMalformedHeaders() {
        for (String header : new String[] {null, "", "Basic abc", "Hawk", "Hawk id=\"a\", bogus=\"b\"",
                "Hawk id=\"a\", id=\"b\"", "Hawk id=\"tester\", ts=\"1\"", "Hawk id=unquoted"}) {
            Hawk.Result result = Hawk.verifyHeader(header, "GET", "/", "h", 80, null, null, TESTER, AT_VECTOR_TIME);
            assertThat(result.valid()).as(header).isFalse();
            assertThat(result.failure()).isNotBlank();
        }
    }

    @Test
    void verifiesNodeBewit() {
        String resource = "/api/queue/v1/task/abc/artifacts/public%2Flog.txt?x=1&bewit=" + NODE_BEWIT;
        Hawk.Result result = Hawk.verifyBewit("GET", resource, "tc.example.com", 443, TESTER, AT_VECTOR_TIME);
        assertThat(result.valid()).as(result.failure()).isTrue();
        assertThat(result.id()).isEqualTo("tester");
        Hawk.Result expired = Hawk.verifyBewit("GET", resource, "tc.example.com", 443, TESTER,
                Instant.ofEpochSecond(1700000900));
        assertThat(expired.failure()).contains("expired");
        assertThat(Hawk.verifyBewit("GET", resource.replace("x=1", "x=2"), "tc.example.com", 443, TESTER,
                AT_VECTOR_TIME).valid()).isFalse();
        assertThat(Hawk.verifyBewit("POST", resource, "tc.example.com", 443, TESTER, AT_VECTOR_TIME).valid())
                .isFalse();
    }

    @Test
    void bewitUrlMatchesNode() {
        URI url = URI.create("https://tc.example.com/api/queue/v1/task/abc/artifacts/public%2Flog.txt?x=1");
        URI signed = Hawk.bewitUrl(url, "tester", "no-secret", "", Duration.ofSeconds(900), AT_VECTOR_TIME);
        assertThat(signed.toString()).isEqualTo(url + "&bewit=" + NODE_BEWIT);
        URI bare = Hawk.bewitUrl(URI.create("http://h:81/a/b"), "tester", "no-secret", EXT_AUTHORIZED,
                Duration.ofMinutes(5), AT_VECTOR_TIME);
        assertThat(bare.getRawQuery()).startsWith("bewit=");
        Hawk.Result result = Hawk.verifyBewit("GET", Hawk.resourceOf(bare), "h", 81, TESTER, AT_VECTOR_TIME);
        assertThat(result.valid()).as(result.failure()).isTrue();
        assertThat(result.ext()).isEqualTo(EXT_AUTHORIZED);
    }

    @Test
    void extThatCannotBeAHeaderAttributeIsRefused() {
        URI url = URI.create("http://localhost/x");
        assertThatThrownBy(() -> Hawk.header("GET", url, "tester", "no-secret", "a\\b", null))
                .isInstanceOf(IllegalArgumentException.class);
        String header = Hawk.header("GET", url, "tester", "no-secret", "plain ext: ok", null);
        assertThat(verify(header, "GET", "/x", 80, "localhost").valid()).isTrue();
    }

    private static Hawk.Result verify(String header, String method, String resource, int port) {
        return verify(header, method, resource, port, "tc.example.com");
    }

    private static Hawk.Result verify(String header, String method, String resource, int port, String host) {
        Instant now = header.contains("1700000000") ? AT_VECTOR_TIME : Instant.now();
        return Hawk.verifyHeader(header, method, resource, host, port, null, null, TESTER, now);
    }
}
