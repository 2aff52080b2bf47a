package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.auth.Slugid;
import dev.berth.core.json.Json;
import dev.berth.testing.SignedHttp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The object service over HTTP on the local blob store: uploads, hashes checked at finish, downloads, object artifacts. */
class ObjectApiTest extends ServerTestSupport {

    static final String O = "/api/object/v1";
    private final String expires = Json.format(Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS));

    static String enc(String name) { return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"); }

    static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    static Map<String, String> hashes(byte[] data) throws Exception {
        return Map.of("sha256", hex("SHA-256", data), "sha512", hex("SHA-512", data));
    }

    private ObjectNode createBody(String projectId, String uploadId, ObjectNode methods) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("projectId", projectId).put("uploadId", uploadId).put("expires", expires);
        b.set("proposedUploadMethods", methods);
        return b;
    }

    private static ObjectNode inline(byte[] data) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.putObject("dataInline").put("contentType", "application/octet-stream").put("objectData", Base64.getEncoder().encodeToString(data));
        return m;
    }

    private static ObjectNode putUrl(long length) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.putObject("putUrl").put("contentType", "application/x-test").put("contentLength", length);
        return m;
    }

    private SignedHttp.Response finish(SignedHttp as, String name, String projectId, String uploadId, Map<String, String> hashes) {
        ObjectNode b = Json.MAPPER.createObjectNode().put("projectId", projectId).put("uploadId", uploadId);
        b.set("hashes", Json.MAPPER.valueToTree(hashes));
        return as.post(O + "/finish-upload/" + enc(name), b);
    }

    private JsonNode startDownload(String name, String... methods) {
        ObjectNode b = Json.MAPPER.createObjectNode();
        ObjectNode accept = b.putObject("acceptDownloadMethods");
        for (String m : methods) accept.put(m, true);
        SignedHttp.Response r = root.put(O + "/start-download/" + enc(name), b);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void anInlineUploadIsStoredAtOnceAndDownloadedWithItsHashes() throws Exception {
        String name = "inline/" + Slugid.nice() + "/a file.bin";
        byte[] data = bytes(3000);
        String uploadId = Slugid.nice();

        SignedHttp.Response created = root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, inline(data)));
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        assertThat(created.json().get("uploadMethod").get("dataInline").asBoolean()).isTrue();
        assertThat(created.json().get("uploadId").asText()).isEqualTo(uploadId);
        assertThat(created.json().get("projectId").asText()).isEqualTo("proj");
        // not readable until finished
        assertThat(root.get(O + "/metadata/" + enc(name)).status()).isEqualTo(404);

        SignedHttp.Response finished = finish(root, name, "proj", uploadId, hashes(data));
        assertThat(finished.status()).as(finished.toString()).isEqualTo(200);

        JsonNode meta = root.get(O + "/metadata/" + enc(name)).json();
        assertThat(meta.get("projectId").asText()).isEqualTo("proj");
        assertThat(meta.get("hashes").get("sha256").asText()).isEqualTo(hex("SHA-256", data));
        assertThat(meta.get("hashes").get("sha512").asText()).isEqualTo(hex("SHA-512", data));

        JsonNode getUrl = startDownload(name, "simple", "getUrl");
        assertThat(getUrl.get("method").asText()).isEqualTo("getUrl");
        assertThat(getUrl.get("hashes").get("sha512").asText()).isEqualTo(hex("SHA-512", data));
        assertThat(Instant.parse(getUrl.get("expires").asText())).isAfter(Instant.now());
        SignedHttp.Response bytes = anon.send("GET", getUrl.get("url").asText(), null, null, Map.of());
        assertThat(bytes.status()).isEqualTo(200);
        assertThat(bytes.body()).isEqualTo(data);
        assertThat(bytes.header("Content-Type")).startsWith("application/octet-stream");

        JsonNode simple = startDownload(name, "simple");
        assertThat(simple.get("method").asText()).isEqualTo("simple");
        assertThat(anon.send("GET", simple.get("url").asText(), null, null, Map.of()).body()).isEqualTo(data);
        SignedHttp.Response redirect = root.get(O + "/download/" + enc(name));
        assertThat(redirect.status()).isEqualTo(303);
        assertThat(anon.send("GET", redirect.header("Location"), null, null, Map.of()).body()).isEqualTo(data);
    }

    @Test
    void aPutUrlUploadTakesTheBytesOnceAndRefusesWritesAfterFinish() throws Exception {
        String name = "put/" + Slugid.nice();
        byte[] data = bytes(300_000);
        String uploadId = Slugid.nice();
        JsonNode put = root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, putUrl(data.length))).json()
                .get("uploadMethod").get("putUrl");
        assertThat(put.get("headers").get("Content-Length").asText()).isEqualTo(String.valueOf(data.length));
        assertThat(put.get("headers").get("Content-Type").asText()).isEqualTo("application/x-test");
        String url = put.get("url").asText();

        SignedHttp.Response tooShort = anon.send("PUT", url, bytes(10), "application/x-test", Map.of());
        assertThat(tooShort.status()).as(tooShort.toString()).isEqualTo(400);
        assertThat(tooShort.json().get("message").asText()).contains("contentLength");
        SignedHttp.Response tampered = anon.send("PUT", url.replaceAll("token=[^&]*", "token=1.abc"), data, "application/x-test", Map.of());
        assertThat(tampered.status()).isEqualTo(403);
        assertThat(anon.send("PUT", url, data, "application/x-test", Map.of()).status()).isEqualTo(200);
        assertThat(finish(root, name, "proj", uploadId, hashes(data)).status()).isEqualTo(200);

        SignedHttp.Response again = anon.send("PUT", url, bytes(300_000), "application/x-test", Map.of());
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.json().get("message").asText()).contains("finished");
        JsonNode getUrl = startDownload(name, "getUrl");
        SignedHttp.Response got = anon.send("GET", getUrl.get("url").asText(), null, null, Map.of());
        assertThat(got.body()).isEqualTo(data);
        assertThat(got.header("Content-Type")).startsWith("application/x-test");
    }

    @Test
    void aNameWithADotSegmentSpacesAndUrlCharactersRoundTripsThroughTheDataUrls() throws Exception {
        String name = "odd/" + Slugid.nice() + "/../a b?c#d%e&f+g=h;i";
        byte[] data = bytes(10_000);
        String uploadId = Slugid.nice();
        JsonNode put = root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, putUrl(data.length))).json();
        SignedHttp.Response stored = anon.send("PUT", put.get("uploadMethod").get("putUrl").get("url").asText(), data, "application/x-test", Map.of());
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        assertThat(finish(root, name, "proj", uploadId, hashes(data)).status()).isEqualTo(200);

        assertThat(anon.send("GET", startDownload(name, "getUrl").get("url").asText(), null, null, Map.of()).body()).isEqualTo(data);
    }

    @Test
    void finishingWithAHashThatDoesNotMatchTheBytesIsRefusedNamingTheHashAndLeavesTheUploadOpen() throws Exception {
        String name = "bad-hash/" + Slugid.nice();
        byte[] data = bytes(100);
        String uploadId = Slugid.nice();
        root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, inline(data)));
        Map<String, String> wrong = Map.of("sha256", hex("SHA-256", data), "sha512", hex("SHA-512", bytes(101)));

        SignedHttp.Response refused = finish(root, name, "proj", uploadId, wrong);

        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.json().get("message").asText()).contains("sha512").contains("does not match");
        assertThat(root.get(O + "/metadata/" + enc(name)).status()).isEqualTo(404);
        SignedHttp.Response malformed = finish(root, name, "proj", uploadId, Map.of("sha256", "XYZ"));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("message").asText()).contains("sha256");
        // the right hashes still finish it
        assertThat(finish(root, name, "proj", uploadId, hashes(data)).status()).isEqualTo(200);
    }

    @Test
    void hashesStatedAtCreateUploadAreCheckedAtFinishToo() throws Exception {
        String name = "early-hash/" + Slugid.nice();
        byte[] data = bytes(50);
        String uploadId = Slugid.nice();
        ObjectNode body = createBody("proj", uploadId, inline(data));
        body.set("hashes", Json.MAPPER.valueToTree(Map.of("sha256", hex("SHA-256", bytes(51)))));
        assertThat(root.put(O + "/upload/" + enc(name), body).status()).isEqualTo(200);

        SignedHttp.Response refused = finish(root, name, "proj", uploadId, Map.of());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("message").asText()).contains("sha256");
        SignedHttp.Response changed = finish(root, name, "proj", uploadId, hashes(data));
        assertThat(changed.status()).as("a hash once stated cannot change").isEqualTo(409);
    }

    @Test
    void createUploadRepeatsWithTheSameValuesAndRefusesOtherValues() throws Exception {
        String name = "repeat/" + Slugid.nice();
        String uploadId = Slugid.nice();
        byte[] data = bytes(20);
        assertThat(root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, Json.MAPPER.createObjectNode())).json()
                .get("uploadMethod").size()).isZero();
        SignedHttp.Response repeat = root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, putUrl(data.length)));
        assertThat(repeat.status()).as(repeat.toString()).isEqualTo(200);
        assertThat(repeat.json().get("uploadMethod").has("putUrl")).isTrue();

        assertThat(root.put(O + "/upload/" + enc(name), createBody("proj", Slugid.nice(), putUrl(1))).status()).isEqualTo(409);
        assertThat(root.put(O + "/upload/" + enc(name), createBody("other", uploadId, putUrl(1))).status()).isEqualTo(409);
        ObjectNode laterExpiry = createBody("proj", uploadId, putUrl(1)).put("expires", Json.format(Instant.now().plus(2, ChronoUnit.DAYS)));
        assertThat(root.put(O + "/upload/" + enc(name), laterExpiry).status()).isEqualTo(409);
        SignedHttp.Response sameUploadIdOtherName = root.put(O + "/upload/" + enc(name + "-2"), createBody("proj", uploadId, putUrl(1)));
        assertThat(sameUploadIdOtherName.status()).isEqualTo(409);
        assertThat(sameUploadIdOtherName.json().get("message").asText()).contains("uploadId");

        anon.send("PUT", repeat.json().get("uploadMethod").get("putUrl").get("url").asText(), data, "application/x-test", Map.of());
        assertThat(finish(root, name, "proj", Slugid.nice(), hashes(data)).status()).as("another uploadId").isEqualTo(409);
        assertThat(finish(root, name, "other", uploadId, hashes(data)).status()).as("another projectId").isEqualTo(400);
        assertThat(finish(root, name, "proj", uploadId, hashes(data)).status()).isEqualTo(200);
        assertThat(finish(root, name, "proj", uploadId, hashes(data)).status()).as("finish is idempotent").isEqualTo(200);
        assertThat(finish(root, name, "proj", uploadId, Map.of("sha256", "0".repeat(64))).status()).isEqualTo(409);
        assertThat(finish(root, name, "proj", uploadId, Map.of("md5", "abc")).status()).as("a hash it lacks").isEqualTo(409);
        SignedHttp.Response afterFinish = root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, putUrl(1)));
        assertThat(afterFinish.status()).isEqualTo(409);
    }

    @Test
    void startDownloadWithNoMethodTheServiceOffersIs406() throws Exception {
        String name = "methods/" + Slugid.nice();
        String uploadId = Slugid.nice();
        byte[] data = bytes(5);
        root.put(O + "/upload/" + enc(name), createBody("proj", uploadId, inline(data)));
        finish(root, name, "proj", uploadId, hashes(data));

        SignedHttp.Response r = root.put(O + "/start-download/" + enc(name), Map.of("acceptDownloadMethods", Map.of()));

        assertThat(r.status()).as(r.toString()).isEqualTo(406);
        assertThat(r.json().get("code").asText()).isEqualTo("NoMatchingMethod");
        assertThat(root.put(O + "/start-download/" + enc("no/such/object"), Map.of("acceptDownloadMethods", Map.of("getUrl", true)))
                .status()).isEqualTo(404);
    }

    @Test
    void uploadAndDownloadNeedTheObjectsScopes() throws Exception {
        String name = "scoped/" + Slugid.nice();
        String uploadId = Slugid.nice();
        byte[] data = bytes(5);
        SignedHttp uploader = root.withAuthorizedScopes(List.of("object:upload:proj:" + name));

        assertThat(uploader.put(O + "/upload/" + enc(name), createBody("proj", uploadId, inline(data))).status()).isEqualTo(200);
        SignedHttp.Response otherProject = uploader.put(O + "/upload/" + enc(name), createBody("proj2", Slugid.nice(), inline(data)));
        assertThat(otherProject.status()).isEqualTo(403);
        assertThat(otherProject.json().get("message").asText()).contains("object:upload:proj2:" + name);
        assertThat(uploader.put(O + "/upload/" + enc(name + "x"), createBody("proj", Slugid.nice(), inline(data))).status()).isEqualTo(403);
        assertThat(finish(uploader, name, "proj", uploadId, hashes(data)).status()).isEqualTo(200);

        assertThat(uploader.get(O + "/metadata/" + enc(name)).status()).isEqualTo(403);
        SignedHttp downloader = root.withAuthorizedScopes(List.of("object:download:" + name));
        assertThat(downloader.get(O + "/metadata/" + enc(name)).status()).isEqualTo(200);
        assertThat(anon.get(O + "/metadata/" + enc(name)).status()).isEqualTo(403);
    }

    @Test
    void anObjectArtifactIsUploadedWithTheCredentialsCreateArtifactGivesAndReadWithThoseArtifactContentGives() throws Exception {
        String queue = newQueue();
        String taskId = createTask(queue);
        JsonNode claimed = claim(queue, 1).get(0);
        SignedHttp worker = SignedHttp.temporary(server.rootUrl(), claimed.get("credentials"));
        byte[] data = bytes(20_000);
        ObjectNode request = Json.MAPPER.createObjectNode().put("storageType", "object").put("contentType", "application/x-test")
                .put("expires", expires);

        SignedHttp.Response created = worker.post(Q + "/task/" + taskId + "/runs/0/artifacts/private/out.bin", request);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        JsonNode c = created.json();
        String objectName = "t/" + taskId + "/0/private/out.bin";
        assertThat(c.get("storageType").asText()).isEqualTo("object");
        assertThat(c.get("name").asText()).isEqualTo(objectName);
        String projectId = c.get("projectId").asText();
        String uploadId = c.get("uploadId").asText();
        assertThat(worker.post(Q + "/task/" + taskId + "/runs/0/artifacts/private/out.bin", request).json().get("uploadId").asText())
                .as("a repeated createArtifact keeps the upload").isEqualTo(uploadId);
        SignedHttp objectUploader = SignedHttp.temporary(server.rootUrl(), c.get("credentials"));
        assertThat(objectUploader.put(O + "/upload/" + enc(objectName + "2"), createBody(projectId, Slugid.nice(), inline(bytes(5)))).status())
                .as("the credentials cover this one object").isEqualTo(403);
        JsonNode put = objectUploader.put(O + "/upload/" + enc(objectName), createBody(projectId, uploadId, putUrl(data.length))).json();
        assertThat(anon.send("PUT", put.get("uploadMethod").get("putUrl").get("url").asText(), data, "application/x-test", Map.of()).status())
                .isEqualTo(200);

        String finishPath = Q + "/task/" + taskId + "/runs/0/artifacts/private/out.bin";
        SignedHttp.Response early = worker.put(finishPath, Map.of("uploadId", uploadId));
        assertThat(early.status()).as("object upload not finished yet: " + early).isEqualTo(400);
        assertThat(finish(objectUploader, objectName, projectId, uploadId, hashes(data)).status()).isEqualTo(200);
        assertThat(worker.put(finishPath, Map.of("uploadId", Slugid.nice())).status()).isEqualTo(400);
        assertThat(worker.put(finishPath, Map.of("uploadId", uploadId)).status()).isEqualTo(200);

        JsonNode content = root.get(Q + "/task/" + taskId + "/runs/0/artifact-content/private/out.bin").json();
        assertThat(content.get("storageType").asText()).isEqualTo("object");
        assertThat(content.get("name").asText()).isEqualTo(objectName);
        SignedHttp reader = SignedHttp.temporary(server.rootUrl(), content.get("credentials"));
        SignedHttp.Response start = reader.put(O + "/start-download/" + enc(objectName), Map.of("acceptDownloadMethods", Map.of("getUrl", true)));
        assertThat(start.status()).as(start.toString()).isEqualTo(200);
        assertThat(anon.send("GET", start.json().get("url").asText(), null, null, Map.of()).body()).isEqualTo(data);
        assertThat(reader.get(O + "/metadata/" + enc("t/" + taskId + "/0/private/other")).status()).isEqualTo(403);

        SignedHttp.Response redirect = root.get(Q + "/task/" + taskId + "/runs/0/artifacts/private/out.bin");
        assertThat(redirect.status()).isEqualTo(303);
        assertThat(anon.send("GET", redirect.header("Location"), null, null, Map.of()).body()).isEqualTo(data);
    }
}
