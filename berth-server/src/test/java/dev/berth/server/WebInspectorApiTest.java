package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.SignedHttp;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The web inspector is served to browsers at / and /ui/, its hashed assets cached; JSON clients keep their JSON. */
class WebInspectorApiTest extends ServerTestSupport {

    private static final String BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    @Test
    void aBrowserAskingForTheRootGetsTheInspectorPageNeverCached() {
        SignedHttp.Response r = anon.get("/", Map.of("Accept", BROWSER));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.text()).contains("<div id=\"app\">").contains("/ui/assets/");
        assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(r.header("Content-Security-Policy")).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(anon.get("/ui/", Map.of("Accept", BROWSER)).text()).isEqualTo(r.text());
    }

    @Test
    void aJsonClientAskingForTheRootStillGetsTheEndpointList() {
        SignedHttp.Response r = anon.get("/", Map.of("Accept", "application/json"));
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().has("POST /submit")).isTrue();
        assertThat(anon.get("/").json().has("GET /ui/")).as("no Accept header means JSON").isTrue();
    }

    @Test
    void theHashedScriptOfThePageIsServedWithAYearLongImmutableCache() {
        String page = anon.get("/ui/", Map.of("Accept", BROWSER)).text();
        Matcher m = Pattern.compile("/ui/assets/([A-Za-z0-9_.-]+\\.js)").matcher(page);
        assertThat(m.find()).as(page).isTrue();
        SignedHttp.Response js = anon.get("/ui/assets/" + m.group(1));
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.header("Content-Type")).startsWith("text/javascript");
        assertThat(js.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
        assertThat(js.body().length).isGreaterThan(1000);
    }

    @Test
    void anUnknownOrTraversingAssetNameIsA404JsonError() {
        SignedHttp.Response missing = anon.get("/ui/assets/nothing-here.js");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("code").asText()).isNotBlank();
        assertThat(anon.get("/ui/assets/..%2Findex.html").status()).isBetween(400, 404);
    }
}
