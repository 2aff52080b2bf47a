package dev.berth.worker.scopes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.json.Json;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.payload.PayloadValidator;
import dev.berth.worker.run.Fixtures;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageBuildScopeTest {

    private static final String BUILD = "{\"imageBuild\":{\"context\":\"berth/image-contexts/x.tar.gz\",\"name\":\"app\"},\"maxRunTime\":600}";

    @Test
    void anImageBuildPayloadNeedsNoImageAndParsesToABuild() {
        PayloadValidator.Result r = new PayloadValidator().validate(Json.tree(BUILD));
        assertThat(r.valid()).as("%s", r.problems()).isTrue();
        assertThat(r.payload().image()).isEqualTo(new ImageSpec.Build("berth/image-contexts/x.tar.gz", "app"));
        assertThat(new PayloadValidator().validate(Json.tree("{\"maxRunTime\":600}")).valid()).as("neither image nor imageBuild").isFalse();
    }

    @Test
    void buildingAnImageNeedsTheImageBuildScopeForItsName() throws Exception {
        ScopeCheck check = new ScopeCheck(null, Set.of());
        var payload = new PayloadValidator().validate(Json.tree(BUILD)).payload();
        assertThat(check.missing(payload, Fixtures.run(BUILD, List.of()).task())).containsExactly("docker-worker:image-build:app");
        assertThat(check.missing(payload, Fixtures.run(BUILD, List.of("docker-worker:image-build:*")).task())).isEmpty();
        assertThat(check.missing(payload, Fixtures.run(BUILD, List.of("docker-worker:image-build:other")).task())).isNotEmpty();
    }
}
