package dev.berth.worker.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PayloadValidatorTest {

    private final PayloadValidator validator = new PayloadValidator();

    private PayloadValidator.Result validate(String json) {
        return validator.validate(Json.tree(json));
    }

    @Test
    void minimalPayloadIsValidWithDefaults() {
        PayloadValidator.Result r = validate("{\"image\":\"busybox\",\"maxRunTime\":60}");

        assertThat(r.problems()).isEmpty();
        DockerPayload p = r.payload();
        assertThat(p.image()).isEqualTo(new ImageSpec.RegistryImage("busybox"));
        assertThat(p.command()).isEmpty();
        assertThat(p.env()).isEmpty();
        assertThat(p.maxRunTimeSeconds()).isEqualTo(60);
        assertThat(p.log()).isEqualTo("public/logs/live.log");
        assertThat(p.capabilities()).isEqualTo(DockerPayload.Capabilities.NONE);
    }

    @Test
    void fullPayloadParses() {
        PayloadValidator.Result r = validate("""
                {"image": {"type": "docker-image", "name": "reg.example.com:5000/team/img:1"},
                 "command": ["sh", "-c", "echo hi"],
                 "env": {"A": "1", "B_2": "two"},
                 "maxRunTime": 3600,
                 "artifacts": {
                   "public/out.txt": {"type": "file", "path": "/out.txt", "expires": "2030-01-02T03:04:05.000Z"},
                   "public/dir": {"type": "directory", "path": "/dir"}},
                 "onExitStatus": {"retry": [36, 37], "purgeCaches": [99]},
                 "log": "public/logs/custom.log"}
                """);

        assertThat(r.problems()).isEmpty();
        DockerPayload p = r.payload();
        assertThat(p.image()).isEqualTo(new ImageSpec.RegistryImage("reg.example.com:5000/team/img:1"));
        assertThat(p.command()).containsExactly("sh", "-c", "echo hi");
        assertThat(p.env()).containsEntry("A", "1").containsEntry("B_2", "two");
        assertThat(p.artifacts()).containsExactlyInAnyOrder(
                new ArtifactSpec("public/out.txt", ArtifactSpec.Kind.FILE, "/out.txt", Instant.parse("2030-01-02T03:04:05Z")),
                new ArtifactSpec("public/dir", ArtifactSpec.Kind.DIRECTORY, "/dir", null));
        assertThat(p.retryExitCodes()).containsExactlyInAnyOrder(36, 37);
        assertThat(p.purgeCacheExitCodes()).containsExactly(99);
        assertThat(p.log()).isEqualTo("public/logs/custom.log");
    }

    @Test
    void taskAndIndexedImagesAreAcceptedByTheSchema() {
        assertThat(validate("{\"image\":{\"type\":\"task-image\",\"taskId\":\"fN1SbArXTPSVFNUvaOlinQ\",\"path\":\"public/image.tar.zst\"},\"maxRunTime\":1}")
                .payload().image()).isEqualTo(new ImageSpec.TaskImage("fN1SbArXTPSVFNUvaOlinQ", "public/image.tar.zst"));
        assertThat(validate("{\"image\":{\"type\":\"indexed-image\",\"namespace\":\"project.images.x\",\"path\":\"public/image.tar\"},\"maxRunTime\":1}")
                .payload().image()).isEqualTo(new ImageSpec.IndexedImage("project.images.x", "public/image.tar"));
    }

    @Test
    void everyProblemIsListedWithItsPath() {
        PayloadValidator.Result r = validate("""
                {"command": "echo hi",
                 "env": {"A": 1},
                 "maxRunTime": 0,
                 "artifacts": {"x": {"type": "socket", "path": "/x"}},
                 "onExitStatus": {"retry": ["a"]},
                 "bogus": true}
                """);

        assertThat(r.valid()).isFalse();
        assertThat(r.payload()).isNull();
        String all = String.join("\n", r.problems().stream().map(PayloadProblem::toString).toList());
        assertThat(all).contains("image");            // required, missing
        assertThat(all).contains("/command");        // not an array
        assertThat(all).contains("/env/A");          // not a string
        assertThat(all).contains("/maxRunTime");     // below minimum
        assertThat(all).contains("/artifacts/x/type");
        assertThat(all).contains("/onExitStatus/retry/0");
        assertThat(all).contains("bogus");            // unknown property
        assertThat(r.problems()).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test
    void missingMaxRunTimeIsAProblem() {
        PayloadValidator.Result r = validate("{\"image\":\"busybox\"}");

        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("maxRunTime"));
    }

    @Test
    void badArtifactExpiryIsAProblem() {
        PayloadValidator.Result r = validate(
                "{\"image\":\"busybox\",\"maxRunTime\":5,\"artifacts\":{\"a\":{\"type\":\"file\",\"path\":\"/a\",\"expires\":\"tomorrow\"}}}");

        assertThat(r.problems()).anySatisfy(p -> assertThat(p.path()).isEqualTo("/artifacts/a/expires"));
    }

    @Test
    void nullPayloadIsAProblem() {
        assertThat(validator.validate(null).problems()).singleElement()
                .satisfies(p -> assertThat(p.message()).isEqualTo("payload is missing"));
    }

    @Test
    void wrongImageObjectIsAProblem() {
        PayloadValidator.Result r = validate("{\"image\":{\"type\":\"docker-image\"},\"maxRunTime\":5}");

        assertThat(r.problems()).isNotEmpty().allSatisfy(p -> assertThat(p.path()).startsWith("/image"));
    }
}
